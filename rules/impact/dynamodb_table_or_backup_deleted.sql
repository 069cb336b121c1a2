-- DynamoDB table or backup deleted, or point-in-time recovery turned off
CREATE RULE dynamodb_table_or_backup_deleted
WITH (severity = 'high',
      tags = 'T1485,T1490',
      description = 'DynamoDB table or backup deleted, or point-in-time recovery turned off',
      runbook = 'WHAT: DeleteTable, DeleteBackup, or UpdateContinuousBackups with pointInTimeRecoveryEnabled = false.
WHY: Turning off point-in-time recovery and then deleting a table destroys the data with no way
  back.
HOW: 1) Restore from PITR or a backup while available. 2) Confirm with the table owner. 3) Review
  the caller.',
      source = 'Sigma: AWS DynamoDB Table or Backup Deleted by Ivan Saakov')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters.tableName,
          requestParameters.backupArn
FROM cloudtrail
WHERE eventSource = 'dynamodb.amazonaws.com'
  AND errorCode IS NULL
  AND (eventName IN ('DeleteTable', 'DeleteBackup')
       OR (eventName = 'UpdateContinuousBackups'
           AND requestParameters.pointInTimeRecoverySpecification.pointInTimeRecoveryEnabled = FALSE));
