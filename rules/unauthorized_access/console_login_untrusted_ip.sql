-- Seed runbook query 1: console logins from addresses outside trusted_ips (the placeholders
-- 'trusted-ip1', 'trusted-ip2' became the list).
CREATE RULE console_login_untrusted_ip
WITH (severity = 'high',
      tags = 'T1078,T1133',
      description = 'Console login from an address outside trusted_ips',
      runbook = 'WHAT: Someone signed in (or tried to) to the AWS console from an address that is not in
  rules/lists/trusted_ips.txt (office, VPN, bastions).
WHY: Stolen passwords and session cookies are used from the attacker''s own network; legitimate staff
  normally sign in through the office or the VPN.
HOW: 1) Check responseElements.ConsoleLogin and additionalEventData.MFAUsed. 2) Ask the user whether
  the address (geo-IP, ASN) is theirs, e.g. travel or home. 3) If not: reset the password,
  deactivate access keys, revoke sessions, review what the identity did since.')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn
FROM cloudtrail_logs_table
WHERE eventName = 'ConsoleLogin'
  AND sourceIPAddress NOT IN trusted_ips;
