-- EC2 instance user data read through the API
CREATE RULE ec2_user_data_read
WITH (severity = 'low',
      tags = 'T1552.005',
      description = 'EC2 instance user data read through the API',
      runbook = 'WHAT: DescribeInstanceAttribute with attribute userData.
WHY: User data often carries bootstrap secrets (passwords, tokens); reading it across instances is a
  credential-harvesting step (Pacu ec2__download_userdata).
HOW: 1) Check which instances and whether the caller manages them. 2) If unexpected, rotate secrets
  found in those instances'' user data and move them to Secrets Manager.')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters.instanceId
FROM cloudtrail
WHERE eventSource = 'ec2.amazonaws.com'
  AND eventName = 'DescribeInstanceAttribute'
  AND requestParameters.attribute = 'userData'
  AND errorCode IS NULL;
