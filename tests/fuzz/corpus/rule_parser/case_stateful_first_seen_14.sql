CREATE RULE new_ip AS SELECT sourceIPAddress FROM cloudtrail
WHERE eventName = 'ConsoleLogin' AND first_seen(userIdentity.arn, sourceIPAddress);
