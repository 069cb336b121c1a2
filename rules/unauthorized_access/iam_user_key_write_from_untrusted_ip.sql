-- A long-term IAM user access key changed the account from an address outside trusted_ips
CREATE RULE iam_user_key_write_from_untrusted_ip
WITH (severity = 'medium',
      tags = 'T1078.004',
      description = 'A long-term IAM user access key changed the account from an address outside trusted_ips',
      runbook = 'WHAT: A successful write management call (not an S3/Lambda data event) signed with an IAM user''s
  long-term access key (AKIA...) came from an IP address outside trusted_ips.
WHY: Leaked long-term keys (in code, CI logs, laptops) are used from the attacker''s infrastructure;
  the pipelines and people that own such keys run from known networks.
HOW: 1) Identify the key (userIdentity.accessKeyId) and its owner. 2) Check the address (geo-IP,
  ASN: a cloud provider or VPN exit is suspicious) and the user agent. 3) If not expected:
  deactivate the key, then review everything the key did (search by accessKeyId).')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          userIdentity.accessKeyId,
          eventSource,
          userAgent
FROM cloudtrail
WHERE userIdentity.type = 'IAMUser'
  AND userIdentity.accessKeyId LIKE 'AKIA%'
  AND readOnly = FALSE
  AND managementEvent = TRUE
  AND errorCode IS NULL
  AND (cidr_match(sourceIPAddress, '0.0.0.0/0') OR cidr_match(sourceIPAddress, '::/0'))
  AND sourceIPAddress NOT IN trusted_ips;
