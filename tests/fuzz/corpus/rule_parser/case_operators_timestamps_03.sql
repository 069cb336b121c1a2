CREATE RULE at_eight AS SELECT eventName FROM cloudtrail
WHERE eventTime = '2023-10-01 08:00:00';
