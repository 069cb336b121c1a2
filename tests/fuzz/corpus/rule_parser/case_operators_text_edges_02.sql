CREATE RULE multi AS SELECT eventName FROM cloudtrail WHERE errorMessage LIKE 'first%last';
CREATE RULE one_char AS SELECT eventName FROM cloudtrail WHERE errorMessage LIKE 'a_b';
