-- The root user made an API call or signed in
CREATE RULE root_account_activity
WITH (severity = 'high',
      tags = 'T1078.004',
      description = 'The root user made an API call or signed in',
      runbook = 'WHAT: A call made with the root user''s credentials (console session or root access key).
WHY: AWS recommends using root only for the few tasks that need it; any other root activity is
  either a process to fix or someone with the root credentials.
HOW: 1) Check whether the task needs root (the AWS list of root-only tasks). 2) Check
  userIdentity.accessKeyId: AKIA... means a root access key exists and should be deleted. 3) If
  unexpected, treat as account compromise: rotate the root password and MFA, review IAM changes
  since.',
      source = 'Sigma: AWS Root Credentials by vitaliy0x1')
AS SELECT eventSource,
          eventName,
          awsRegion,
          sourceIPAddress,
          userAgent,
          userIdentity.accessKeyId
FROM cloudtrail
WHERE userIdentity.type = 'Root'
  AND eventType != 'AwsServiceEvent';
