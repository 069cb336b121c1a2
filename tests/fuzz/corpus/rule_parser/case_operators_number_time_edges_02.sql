CREATE RULE one AS SELECT eventName FROM cloudtrail WHERE readOnly = 1;
CREATE RULE not_one AS SELECT eventName FROM cloudtrail WHERE NOT (readOnly = 1);
