-- RDS snapshot shared publicly or with an account outside org_accounts
CREATE RULE rds_snapshot_shared
WITH (severity = 'high',
      tags = 'T1537',
      description = 'RDS snapshot shared publicly or with an account outside org_accounts',
      runbook = 'WHAT: ModifyDBSnapshotAttribute / ModifyDBClusterSnapshotAttribute added restore permission for all
  or for an account not in org_accounts.txt.
WHY: A shared database snapshot can be restored in the receiving account and read without any
  credential to the original database (Pacu rds__explore_snapshots).
HOW: 1) Remove the permission (valuesToRemove). 2) Identify the receiving account. 3) Treat the
  database content as exposed.',
      source = 'Sigma: AWS RDS Snapshot Shared with External Account by Ivan Saakov')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters
FROM cloudtrail
WHERE eventSource = 'rds.amazonaws.com'
  AND eventName IN ('ModifyDBSnapshotAttribute', 'ModifyDBClusterSnapshotAttribute')
  AND requestParameters.attributeName = 'restore'
  AND errorCode IS NULL
  AND (requestParameters.valuesToAdd[*] = 'all' OR requestParameters.valuesToAdd[*] NOT IN org_accounts);
