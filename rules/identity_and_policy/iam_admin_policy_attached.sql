-- AdministratorAccess, PowerUserAccess or IAMFullAccess attached to a user, role or group
CREATE RULE iam_admin_policy_attached
WITH (severity = 'high',
      tags = 'T1098.003',
      description = 'AdministratorAccess, PowerUserAccess or IAMFullAccess attached to a user, role or group',
      runbook = 'WHAT: One of the AWS managed policies that grant (or let one grant oneself) full control was
  attached to an IAM user, role or group.
WHY: Attaching an admin policy is the shortest privilege-escalation path; it should only happen
  through reviewed infrastructure changes.
HOW: 1) Identify the target (userName, roleName or groupName) and the caller. 2) Confirm the change
  with its owner or the change record. 3) If unapproved, detach the policy and review what the
  target did with it.',
      source = 'Sigma: AWS IAM Critical Managed Policy Attachment by Vladimir Novikov')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters.policyArn,
          requestParameters.userName,
          requestParameters.roleName,
          requestParameters.groupName
FROM cloudtrail
WHERE eventSource = 'iam.amazonaws.com'
  AND eventName IN ('AttachUserPolicy', 'AttachRolePolicy', 'AttachGroupPolicy')
  AND (requestParameters.policyArn = 'arn:aws:iam::aws:policy/AdministratorAccess'
       OR requestParameters.policyArn = 'arn:aws:iam::aws:policy/PowerUserAccess'
       OR requestParameters.policyArn = 'arn:aws:iam::aws:policy/IAMFullAccess')
  AND errorCode IS NULL;
