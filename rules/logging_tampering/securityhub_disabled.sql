-- Security Hub disabled, standards disabled or the account detached from the administrator
CREATE RULE securityhub_disabled
WITH (severity = 'high',
      tags = 'T1562.001',
      description = 'Security Hub disabled, standards disabled or the account detached from the administrator',
      runbook = 'WHAT: DisableSecurityHub, BatchDisableStandards, DisableImportFindingsForProduct or a disassociation
  from the Security Hub administrator account.
WHY: Security Hub aggregates findings (GuardDuty, Inspector, Config rules); disabling it cuts the
  security team''s view of the account.
HOW: 1) Re-enable Security Hub and the standards. 2) Identify the caller and the reason. 3) Review
  findings generated around the time.')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters
FROM cloudtrail
WHERE eventSource = 'securityhub.amazonaws.com'
  AND eventName IN ('DisableSecurityHub', 'BatchDisableStandards', 'DisableImportFindingsForProduct',
                    'DisassociateFromAdministratorAccount', 'DisassociateFromMasterAccount')
  AND errorCode IS NULL;
