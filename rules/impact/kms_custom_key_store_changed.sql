-- KMS custom key store (CloudHSM or external key manager) created, connected or updated
CREATE RULE kms_custom_key_store_changed
WITH (severity = 'high',
      tags = 'T1486',
      description = 'KMS custom key store (CloudHSM or external key manager) created, connected or updated',
      runbook = 'WHAT: CreateCustomKeyStore, ConnectCustomKeyStore or UpdateCustomKeyStore.
WHY: Keys backed by an external key store are only as available as that store; whoever controls it
  can decrypt the data or make it permanently unreadable.
HOW: 1) Identify the key store (type, proxy URI or CloudHSM cluster) and its owner. 2) Confirm with
  the security team. 3) Disconnect unapproved stores and list keys that use them.',
      source = 'Sigma: AWS KMS Custom Key Store Connected or Created by Ivan Saakov')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters
FROM cloudtrail
WHERE eventSource = 'kms.amazonaws.com'
  AND eventName IN ('CreateCustomKeyStore', 'ConnectCustomKeyStore', 'UpdateCustomKeyStore')
  AND errorCode IS NULL;
