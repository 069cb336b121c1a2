-- An IAM user or role session called AWS from an address it never used before
CREATE RULE principal_new_source_ip
WITH (severity = 'low',
      tags = 'T1078.004,T1550.001',
      description = 'An IAM user or assumed-role session made a call from a source address it had not used before',
      runbook = 'WHAT: The first call by this userIdentity.arn from this sourceIPAddress since the rule
  started. For its first seven days of event time the rule only learns which addresses each
  principal uses; after that each new (principal, address) pair alerts once. Calls made by AWS on the
  principal''s behalf (sourceIPAddress AWS Internal or a *.amazonaws.com service name) are left out.
WHY: Stolen access keys and session tokens are used from the thief''s machine, not from where the
  owner works: a long-standing identity suddenly calling from a new network is the first visible
  trace of credential theft.
HOW: 1) Look up the address (owner, ASN, country, known VPN or cloud provider). 2) Check the user
  agent and what was called from the new address (everything by this arn and sourceIPAddress): reads
  of secrets, IAM or identity calls, data reads are worse than routine calls. 3) For an IAM user ask
  the owner; for a role look at who assumed it (the AssumeRole before it). 4) If unexplained, rotate
  the key or revoke the sessions. Role sessions are keyed by their full ARN, so a session name that
  changes every time (instance ids, random names) starts a new principal: tune such roles out with a
  view if they are noisy.')
AS SELECT userIdentity.arn,
          userIdentity.type,
          userIdentity.accessKeyId,
          sourceIPAddress,
          eventSource,
          eventName,
          awsRegion,
          userAgent
FROM cloudtrail
WHERE userIdentity.type IN ('IAMUser', 'AssumedRole')
  AND (cidr_match(sourceIPAddress, '0.0.0.0/0') OR cidr_match(sourceIPAddress, '::/0'))
  AND first_seen(userIdentity.arn, sourceIPAddress, LEARN INTERVAL '7' DAY);
