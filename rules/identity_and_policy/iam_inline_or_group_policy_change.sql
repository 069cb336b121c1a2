-- Seed runbook query 2: inline role policies written and managed policies attached to groups.
CREATE RULE iam_inline_or_group_policy_change
WITH (severity = 'medium',
      tags = 'T1098',
      description = 'Inline role policy written or managed policy attached to a group',
      runbook = 'WHAT: PutRolePolicy (an inline policy on a role) or AttachGroupPolicy (a managed policy on a group)
  was called.
WHY: Both change who can do what; attackers with IAM write access grant themselves or a role they
  control more permissions this way.
HOW: 1) Read the policy (requestParameters.policyDocument or policyArn) and the target role or
  group. 2) Check that the change is in a reviewed change (IaC pipeline, ticket). 3) If not, revert
  it and review the caller''s other activity.')
AS SELECT eventName,
          userIdentity,
          requestParameters
FROM cloudtrail_logs_table
WHERE eventSource = 'iam.amazonaws.com'
  AND eventName IN ('PutRolePolicy', 'AttachGroupPolicy');
