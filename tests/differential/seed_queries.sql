SELECT eventName, awsRegion, sourceIPAddress
FROM cloudtrail_logs_table
WHERE eventTime >= 'YYYY-MM-DD'
 AND eventName = 'ConsoleLogin'
 AND sourceIPAddress NOT IN ('trusted-ip1', 'trusted-ip2');

SELECT eventName, userIdentity, requestParameters
FROM cloudtrail_logs_table
WHERE eventSource = 'iam.amazonaws.com'
 AND eventName IN ('PutRolePolicy', 'AttachGroupPolicy');

SELECT bucketName, eventName, eventSource, awsRegion
FROM cloudtrail_logs_table
WHERE eventSource = 's3.amazonaws.com'
 AND eventName = 'GetObject'
 AND eventTime BETWEEN '2023-10-01' AND '2023-10-02';
