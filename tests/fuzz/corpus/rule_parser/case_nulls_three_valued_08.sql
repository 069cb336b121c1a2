CREATE RULE eq AS SELECT eventName FROM cloudtrail WHERE errorMessage = 'x';
CREATE RULE ne AS SELECT eventName FROM cloudtrail WHERE errorMessage != 'x';
CREATE RULE lk AS SELECT eventName FROM cloudtrail WHERE errorMessage NOT LIKE 'x%';
CREATE RULE bt AS SELECT eventName FROM cloudtrail WHERE errorMessage NOT BETWEEN 'a' AND 'b';
CREATE RULE ni AS SELECT eventName FROM cloudtrail WHERE errorMessage NOT IN ('x', 'y');
