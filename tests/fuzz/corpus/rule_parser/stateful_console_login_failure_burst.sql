-- Five or more failed console logins from one source address within ten minutes
CREATE RULE console_login_failure_burst
WITH (severity = 'high',
      tags = 'T1110.001,T1110.003,T1110.004',
      description = 'Five or more failed console sign-ins from one source address within ten minutes',
      runbook = 'WHAT: One source address failed to sign in to the AWS console at least five times within ten
  minutes (a sliding window: one alert per burst, at the failure that completed it). fields carries
  the number of failures, how many user names were tried and up to ten of them.
WHY: Password guessing (one user, many passwords), spraying (many users, a few common passwords) and
  credential stuffing (leaked user/password pairs) all show up as bursts of failures from one
  address. console_login_failed alerts on each failure from an untrusted address; this rule says
  the failures are a campaign, from any address, trusted ones included (a compromised host inside).
HOW: 1) users = 1 is guessing against that user, users > 1 is spraying; HIDDEN_DUE_TO_SECURITY_REASONS
  means user names that do not exist in the account. 2) Look for a ConsoleLogin Success from the same
  sourceIPAddress after last_failure (console_login_untrusted_ip): a success after a burst is a
  likely compromise, so reset that password, revoke its sessions and review what it did. 3) Block the
  address at the edge if it is not yours; make sure every console user has MFA.',
      allowed_lateness = '5m')
AS SELECT sourceIPAddress,
          count(*) AS failures,
          count(DISTINCT userIdentity.userName) AS users,
          min(eventTime) AS first_failure,
          max(eventTime) AS last_failure,
          array_agg(DISTINCT userIdentity.userName) LIMIT 10 AS sample_users
FROM cloudtrail
WHERE eventSource = 'signin.amazonaws.com'
  AND eventName = 'ConsoleLogin'
  AND responseElements.ConsoleLogin = 'Failure'
GROUP BY sourceIPAddress
WINDOW SLIDING (10 MINUTES)
HAVING count(*) >= 5;
