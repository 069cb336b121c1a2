-- Inline policy allowing every action on every resource written to a user, role or group
CREATE RULE iam_admin_inline_policy
WITH (severity = 'high',
      tags = 'T1098.003',
      description = 'Inline policy allowing every action on every resource written to a user, role or group',
      runbook = 'WHAT: PutUserPolicy, PutRolePolicy or PutGroupPolicy wrote a policy with Effect Allow, Action * and
  Resource * (full administrator rights).
WHY: An inline wildcard policy is an admin grant that does not show up in the list of attached
  managed policies, a favourite quiet escalation.
HOW: 1) Read requestParameters.policyDocument and the target. 2) Confirm the change with the owner;
  inline admin policies are never the approved pattern. 3) Delete the inline policy
  (DeleteUserPolicy/DeleteRolePolicy) and review the target''s activity.',
      source = 'Sigma: AWS IAM Privileged Inline Policy Creation by Vladimir Novikov')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters.policyName,
          requestParameters.userName,
          requestParameters.roleName,
          requestParameters.groupName,
          requestParameters.policyDocument
FROM cloudtrail
WHERE eventSource = 'iam.amazonaws.com'
  AND eventName IN ('PutUserPolicy', 'PutRolePolicy', 'PutGroupPolicy')
  AND errorCode IS NULL
  AND requestParameters.policyDocument REGEXP '"Effect"\s*:\s*"Allow"'
  AND requestParameters.policyDocument REGEXP '"Action"\s*:\s*(\[\s*)?"\*"'
  AND requestParameters.policyDocument REGEXP '"Resource"\s*:\s*(\[\s*)?"\*"';
