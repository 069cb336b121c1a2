CREATE RULE logins AS SELECT sourceIPAddress FROM cloudtrail
WHERE eventName = 'ConsoleLogin' AND first_seen(userIdentity.arn, sourceIPAddress);
CREATE RULE every_call AS SELECT sourceIPAddress FROM cloudtrail
WHERE first_seen(userIdentity.arn, sourceIPAddress);
