CREATE RULE r AS SELECT eventName FROM cloudtrail
WHERE (eventName = 'A' OR eventName = 'B';
