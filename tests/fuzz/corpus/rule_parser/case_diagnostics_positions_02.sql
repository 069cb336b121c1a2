CREATE RULE r AS SELECT eventName FROM cloudtrail
WHERE userIdentity.userName = 'José' AND eventNmae = 'x';
