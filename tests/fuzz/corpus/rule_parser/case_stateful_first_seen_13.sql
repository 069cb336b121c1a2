CREATE RULE new_ip AS SELECT userIdentity.arn, sourceIPAddress FROM cloudtrail
WHERE eventName = 'ConsoleLogin' AND first_seen(userIdentity.arn, sourceIPAddress);
