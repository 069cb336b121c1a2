CREATE RULE r AS SELECT eventName FROM cloudtrail
WHERE errorCode = NULL;
