-- GuardDuty trusted IP list changed or an auto-archive filter created
CREATE RULE guardduty_suppression_or_trusted_ips
WITH (severity = 'high',
      tags = 'T1562.001',
      description = 'GuardDuty trusted IP list changed or an auto-archive filter created',
      runbook = 'WHAT: CreateIPSet/UpdateIPSet (addresses GuardDuty will not alert on) or CreateFilter/UpdateFilter
  with action ARCHIVE (findings hidden automatically).
WHY: Whitelisting the attacker''s address or auto-archiving finding types silences GuardDuty without
  disabling it (Pacu guardduty__whitelist_ip).
HOW: 1) Read the IP set location (requestParameters.location) or the filter criteria. 2) Confirm
  with the security team. 3) Delete unapproved IP sets and filters; review archived findings.',
      source = 'Sigma: AWS GuardDuty Important Change by faloker')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters
FROM cloudtrail
WHERE eventSource = 'guardduty.amazonaws.com'
  AND errorCode IS NULL
  AND (eventName IN ('CreateIPSet', 'UpdateIPSet')
       OR (eventName IN ('CreateFilter', 'UpdateFilter') AND requestParameters.action = 'ARCHIVE'));
