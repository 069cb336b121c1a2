-- IAM Identity Center permission set or account assignment changed
CREATE RULE sso_permission_set_changed
WITH (severity = 'high',
      tags = 'T1098,T1548',
      description = 'IAM Identity Center permission set or account assignment changed',
      runbook = 'WHAT: A permission set was created or changed, a policy attached to it, or a user/group assigned to
  an account with it.
WHY: From the management or delegated admin account, one assignment of an admin permission set
  grants access to every account of the organisation.
HOW: 1) See which permission set, which principal (principalId) and which account (targetId). 2)
  Confirm with the identity team''s change record. 3) If unapproved, delete the assignment
  (DeleteAccountAssignment) and review the principal''s sessions.',
      source = 'Sigma: AWS IAM Identity Center Permission Set Privilege Escalation by Ivan Saakov')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters
FROM cloudtrail
WHERE eventSource IN ('sso.amazonaws.com', 'sso-admin.amazonaws.com')
  AND eventName IN ('CreatePermissionSet', 'UpdatePermissionSet', 'AttachManagedPolicyToPermissionSet',
                    'PutInlinePolicyToPermissionSet', 'CreateAccountAssignment',
                    'ProvisionPermissionSet', 'AttachCustomerManagedPolicyReferenceToPermissionSet')
  AND errorCode IS NULL;
