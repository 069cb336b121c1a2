-- A role's trust policy (who may assume it) was changed
CREATE RULE iam_role_trust_policy_updated
WITH (severity = 'medium',
      tags = 'T1098.003',
      description = 'A role''s trust policy (who may assume it) was changed',
      runbook = 'WHAT: UpdateAssumeRolePolicy replaced the trust policy of a role.
WHY: Adding one''s own principal (or another account) to a privileged role''s trust policy gives
  lasting access without touching any permission policy.
HOW: 1) Diff requestParameters.policyDocument with the previous trust policy (AWS Config or IaC). 2)
  Look for new principals, especially other accounts or *. 3) If unapproved, restore the old trust
  policy and check for AssumeRole calls by the new principal.',
      source = 'Sigma: AWS IAM Role Trust Policy Modified by LogTriage')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters.roleName,
          requestParameters.policyDocument
FROM cloudtrail
WHERE eventSource = 'iam.amazonaws.com'
  AND eventName = 'UpdateAssumeRolePolicy'
  AND errorCode IS NULL
  AND userIdentity.type != 'AWSService';
