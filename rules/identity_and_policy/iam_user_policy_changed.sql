-- Permissions granted directly to an IAM user (AttachUserPolicy, PutUserPolicy)
CREATE RULE iam_user_policy_changed
WITH (severity = 'medium',
      tags = 'T1098.003',
      description = 'Permissions granted directly to an IAM user (AttachUserPolicy, PutUserPolicy)',
      runbook = 'WHAT: A managed policy was attached to, or an inline policy written on, an individual IAM user.
WHY: Permissions here are granted through groups and roles; a policy directly on a user is outside
  the reviewed model and a common way to quietly empower a backdoor user.
HOW: 1) Identify the user and the policy. 2) Ask the owning team why the grant is not on a group or
  role. 3) If unexplained, remove it and review the user''s recent activity and keys.')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters.userName,
          requestParameters.policyArn,
          requestParameters.policyName
FROM cloudtrail
WHERE eventSource = 'iam.amazonaws.com'
  AND eventName IN ('AttachUserPolicy', 'PutUserPolicy')
  AND errorCode IS NULL;
