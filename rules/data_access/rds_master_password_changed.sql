-- RDS master user password changed
CREATE RULE rds_master_password_changed
WITH (severity = 'medium',
      tags = 'T1098',
      description = 'RDS master user password changed',
      runbook = 'WHAT: ModifyDBInstance or ModifyDBCluster set a new master user password.
WHY: Resetting the master password gives direct database access to whoever set it; it is a step in
  taking over a database for exfiltration.
HOW: 1) Confirm the reset with the database owner. 2) If unexpected, rotate the password (Secrets
  Manager), check database logins and restrict the security group.',
      source = 'Sigma: AWS RDS Master Password Change by faloker')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters.dBInstanceIdentifier,
          requestParameters.dBClusterIdentifier
FROM cloudtrail
WHERE eventSource = 'rds.amazonaws.com'
  AND eventName IN ('ModifyDBInstance', 'ModifyDBCluster')
  AND errorCode IS NULL
  AND (requestParameters.masterUserPassword IS NOT NULL
       OR responseElements.pendingModifiedValues.masterUserPassword IS NOT NULL);
