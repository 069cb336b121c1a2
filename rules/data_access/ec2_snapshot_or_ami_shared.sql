-- EBS snapshot or AMI shared publicly or with an account outside org_accounts
CREATE RULE ec2_snapshot_or_ami_shared
WITH (severity = 'high',
      tags = 'T1537',
      description = 'EBS snapshot or AMI shared publicly or with an account outside org_accounts',
      runbook = 'WHAT: ModifySnapshotAttribute / ModifyImageAttribute added a create-volume or launch permission for
  group all (public) or for an account not in org_accounts.txt.
WHY: Sharing a snapshot or image with another account is a one-call exfiltration of a whole disk:
  the other account restores it and reads everything.
HOW: 1) Remove the permission (the same call with remove). 2) Identify the receiving account. 3)
  Assume the disk''s data is exposed: rotate secrets stored on it.',
      source = 'Sigma: AWS Snapshot Backup Exfiltration by Darin Smith')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters
FROM cloudtrail
WHERE eventSource = 'ec2.amazonaws.com'
  AND errorCode IS NULL
  AND ((eventName = 'ModifySnapshotAttribute'
        AND (requestParameters.createVolumePermission.add.items[*].group = 'all'
             OR requestParameters.createVolumePermission.add.items[*].userId NOT IN org_accounts))
       OR (eventName = 'ModifyImageAttribute'
           AND (requestParameters.launchPermission.add.items[*].group = 'all'
                OR requestParameters.launchPermission.add.items[*].userId NOT IN org_accounts)));
