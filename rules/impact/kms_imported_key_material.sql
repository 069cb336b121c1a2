-- Key material imported into, or deleted from, a KMS key
CREATE RULE kms_imported_key_material
WITH (severity = 'high',
      tags = 'T1486',
      description = 'Key material imported into, or deleted from, a KMS key',
      runbook = 'WHAT: ImportKeyMaterial or DeleteImportedKeyMaterial on a KMS key with external key material.
WHY: With key material the attacker holds (and can delete), data encrypted under the key is held to
  ransom; legitimate use is rare.
HOW: 1) Identify the key and what uses it. 2) Confirm with the key owner. 3) If unapproved, stop
  using the key for new data and preserve anything needed to decrypt existing data.',
      source = 'Sigma: KMS Imported Key Material Usage by toopricey')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters.keyId
FROM cloudtrail
WHERE eventSource = 'kms.amazonaws.com'
  AND eventName IN ('ImportKeyMaterial', 'DeleteImportedKeyMaterial');
