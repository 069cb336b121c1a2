-- GuardDuty detector deleted, suspended or detached from the administrator account
CREATE RULE guardduty_detector_disabled
WITH (severity = 'high',
      tags = 'T1562.001',
      description = 'GuardDuty detector deleted, suspended or detached from the administrator account',
      runbook = 'WHAT: DeleteDetector, UpdateDetector with enable = false, or a member account leaving the GuardDuty
  administrator (DisassociateFrom...Account) or being stopped.
WHY: GuardDuty is the managed threat detection of the account; turning it off is a classic first
  step before noisy activity.
HOW: 1) Re-enable GuardDuty (or re-invite the member). 2) Identify the caller and whether a change
  was planned. 3) Review findings that existed before the change.',
      source = 'Sigma: AWS GuardDuty Detector Deleted Or Updated by suktech24')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters.detectorId
FROM cloudtrail
WHERE eventSource = 'guardduty.amazonaws.com'
  AND errorCode IS NULL
  AND (eventName IN ('DeleteDetector', 'DisassociateFromMasterAccount',
                     'DisassociateFromAdministratorAccount', 'StopMonitoringMembers')
       OR (eventName = 'UpdateDetector' AND requestParameters.enable = FALSE));
