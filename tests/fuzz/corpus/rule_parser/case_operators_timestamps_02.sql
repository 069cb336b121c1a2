CREATE RULE before AS SELECT eventName FROM cloudtrail WHERE eventTime < '2023-10-01';
CREATE RULE since AS SELECT eventName FROM cloudtrail WHERE eventTime >= '2023-10-01';
