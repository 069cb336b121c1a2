-- KMS key disabled or scheduled for deletion
CREATE RULE kms_key_disabled_or_deletion_scheduled
WITH (severity = 'high',
      tags = 'T1485,T1486',
      description = 'KMS key disabled or scheduled for deletion',
      runbook = 'WHAT: DisableKey or ScheduleKeyDeletion on a customer managed KMS key.
WHY: Everything encrypted under the key becomes unreadable when it is disabled or deleted; cloud
  ransomware and sabotage both use this.
HOW: 1) Cancel the deletion (CancelKeyDeletion) / EnableKey while the waiting period runs
  (pendingWindowInDays). 2) Identify what the key protects (aliases, grants, resources). 3) Review
  the caller.')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters.keyId,
          requestParameters.pendingWindowInDays
FROM cloudtrail
WHERE eventSource = 'kms.amazonaws.com'
  AND eventName IN ('DisableKey', 'ScheduleKeyDeletion')
  AND errorCode IS NULL;
