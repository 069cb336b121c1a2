CREATE RULE new_both AS SELECT sourceIPAddress, awsRegion FROM cloudtrail
WHERE eventName = 'ConsoleLogin'
  AND first_seen(userIdentity.arn, sourceIPAddress)
  AND first_seen(userIdentity.arn, awsRegion);
