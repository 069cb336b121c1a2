-- RDS instance created, restored or modified to be publicly accessible
CREATE RULE rds_instance_public
WITH (severity = 'high',
      tags = 'T1020',
      description = 'RDS instance created, restored or modified to be publicly accessible',
      runbook = 'WHAT: CreateDBInstance, ModifyDBInstance, RestoreDBInstanceFromDBSnapshot or
  RestoreDBInstanceToPointInTime with publiclyAccessible = true.
WHY: A public database endpoint plus a reset master password is how snapshots are turned into
  readable databases for exfiltration (Pacu rds__explore_snapshots).
HOW: 1) Set publiclyAccessible back to false. 2) Check the security group and whether the instance
  was restored from a snapshot of sensitive data. 3) Review the caller.',
      source = 'Sigma: Restore Public AWS RDS Instance by faloker')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters.dBInstanceIdentifier
FROM cloudtrail
WHERE eventSource = 'rds.amazonaws.com'
  AND eventName IN ('CreateDBInstance', 'ModifyDBInstance', 'RestoreDBInstanceFromDBSnapshot',
                    'RestoreDBInstanceToPointInTime')
  AND errorCode IS NULL
  AND (requestParameters.publiclyAccessible = TRUE OR responseElements.publiclyAccessible = TRUE);
