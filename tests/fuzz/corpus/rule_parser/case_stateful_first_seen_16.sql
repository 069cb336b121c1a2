CREATE RULE new_ip AS SELECT sourceIPAddress FROM cloudtrail
WHERE awsRegion <> 'us-east-1' AND first_seen(userIdentity.arn, sourceIPAddress);
