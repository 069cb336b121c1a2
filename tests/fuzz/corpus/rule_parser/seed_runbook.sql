SELECT eventName, userIdentity, requestParameters
FROM cloudtrail_logs_table
WHERE eventSource = 'iam.amazonaws.com'
  AND eventName IN ('PutRolePolicy', 'AttachGroupPolicy');

SELECT eventTime, eventName, userIdentity.arn, sourceIPAddress
FROM cloudtrail_logs_table
WHERE eventName = 'ConsoleLogin'
  AND sourceIPAddress NOT IN ('203.0.113.7', '198.51.100.23');
