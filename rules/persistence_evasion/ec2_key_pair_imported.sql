-- SSH key pair imported into EC2
CREATE RULE ec2_key_pair_imported
WITH (severity = 'medium',
      tags = 'T1098.004',
      description = 'SSH key pair imported into EC2',
      runbook = 'WHAT: ImportKeyPair registered a public key generated outside AWS.
WHY: Importing one''s own key and launching or re-keying instances with it gives SSH access that
  survives credential rotation.
HOW: 1) Find instances launched with the key (keyName). 2) Confirm with the owner. 3) Delete
  unapproved keys and check instances that use them.',
      source = 'Sigma: AWS Key Pair Import Activity by Ivan Saakov')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters.keyName
FROM cloudtrail
WHERE eventSource = 'ec2.amazonaws.com'
  AND eventName = 'ImportKeyPair'
  AND errorCode IS NULL;
