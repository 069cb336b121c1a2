-- EBS encryption by default turned off in a region
CREATE RULE ebs_default_encryption_disabled
WITH (severity = 'medium',
      tags = 'T1486,T1565',
      description = 'EBS encryption by default turned off in a region',
      runbook = 'WHAT: DisableEbsEncryptionByDefault: new EBS volumes in the region are no longer encrypted
  automatically.
WHY: Unencrypted volumes and snapshots can be shared and copied without KMS permissions, which eases
  exfiltration and breaks compliance.
HOW: 1) Re-enable (EnableEbsEncryptionByDefault). 2) Find volumes created since without encryption.
  3) Review the caller.',
      source = 'Sigma: AWS EC2 Disable EBS Encryption by Sittikorn S')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn
FROM cloudtrail
WHERE eventSource = 'ec2.amazonaws.com'
  AND eventName = 'DisableEbsEncryptionByDefault'
  AND errorCode IS NULL;
