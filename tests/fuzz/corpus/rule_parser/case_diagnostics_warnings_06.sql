CREATE RULE r AS SELECT eventName FROM cloudtrail
WHERE eventTime BETWEEN '2023-10-01' AND 'today';
