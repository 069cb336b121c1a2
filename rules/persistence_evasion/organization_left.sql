-- Account left the AWS Organization, was removed from it, or the organization deleted
CREATE RULE organization_left
WITH (severity = 'critical',
      tags = 'T1666',
      description = 'Account left the AWS Organization, was removed from it, or the organization deleted',
      runbook = 'WHAT: LeaveOrganization, RemoveAccountFromOrganization or DeleteOrganization.
WHY: An account outside the organisation escapes its SCPs, delegated security services and the
  organisation trail: every central control disappears at once.
HOW: 1) Check which account left and who did it. 2) Re-invite the account; if you cannot, treat it
  as lost and contain (revoke cross-account roles into your other accounts).')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters,
          recipientAccountId
FROM cloudtrail
WHERE eventSource = 'organizations.amazonaws.com'
  AND eventName IN ('LeaveOrganization', 'RemoveAccountFromOrganization', 'DeleteOrganization')
  AND errorCode IS NULL;
