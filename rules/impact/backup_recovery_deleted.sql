-- AWS Backup vault, recovery point, plan or selection deleted, or a backup job stopped
CREATE RULE backup_recovery_deleted
WITH (severity = 'high',
      tags = 'T1490',
      description = 'AWS Backup vault, recovery point, plan or selection deleted, or a backup job stopped',
      runbook = 'WHAT: DeleteBackupVault, DeleteRecoveryPoint, DeleteBackupPlan, DeleteBackupSelection or
  StopBackupJob in AWS Backup.
WHY: Ransomware operators delete backups first so the victim cannot restore.
HOW: 1) Check which vault/plan and whether vault lock protects the rest. 2) Confirm with the backup
  owner. 3) If unexpected, revoke the caller and protect remaining recovery points.',
      source = 'Sigma: AWS Backup Vault or Recovery Point Deleted by Ivan Saakov')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters
FROM cloudtrail
WHERE eventSource = 'backup.amazonaws.com'
  AND eventName IN ('DeleteBackupVault', 'DeleteRecoveryPoint', 'DeleteBackupPlan',
                    'DeleteBackupSelection', 'StopBackupJob')
  AND errorCode IS NULL;
