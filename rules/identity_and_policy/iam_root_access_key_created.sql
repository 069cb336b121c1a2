-- An access key was created for the root user
CREATE RULE iam_root_access_key_created
WITH (severity = 'critical',
      tags = 'T1098.001',
      description = 'An access key was created for the root user',
      runbook = 'WHAT: The root user created an access key for itself.
WHY: A root access key is permanent, unrestrictable full control of the account; AWS recommends
  having none.
HOW: 1) Find who holds the root credentials and why a key was needed. 2) Delete the key (IAM console
  > Security credentials as root). 3) Search for the key''s use (userIdentity.accessKeyId =
  responseElements.accessKey.accessKeyId).')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          responseElements.accessKey.accessKeyId
FROM cloudtrail
WHERE eventSource = 'iam.amazonaws.com'
  AND eventName = 'CreateAccessKey'
  AND userIdentity.type = 'Root'
  AND requestParameters.userName IS NULL
  AND errorCode IS NULL;
