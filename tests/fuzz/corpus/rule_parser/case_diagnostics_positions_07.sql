CREATE RULE r AS SELECT eventName FROM cloudtrail
WHERE eventName = 'GetObject' AND eventname = 'GetObject';
