CREATE RULE either AS SELECT eventName FROM cloudtrail
WHERE errorCode = 'AccessDenied' OR userIdentity.type = 'Root';
