CREATE RULE r AS SELECT eventName FROM cloudtrail
WHERE eventName = 'StopLogging' AND eventName = 'DeleteTrail';
