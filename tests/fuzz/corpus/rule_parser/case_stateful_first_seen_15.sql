CREATE RULE new_ip AS SELECT sourceIPAddress FROM cloudtrail
WHERE first_seen(userIdentity.arn, sourceIPAddress) AND errorCode IS NULL AND eventName = 'ConsoleLogin';
