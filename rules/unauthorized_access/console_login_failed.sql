-- Failed console login from an address outside trusted_ips
CREATE RULE console_login_failed
WITH (severity = 'low',
      tags = 'T1110',
      description = 'Failed console login from an address outside trusted_ips',
      runbook = 'WHAT: A console sign-in failed (wrong password, wrong MFA code, or an unknown user name) from an
  address outside trusted_ips.
WHY: Password guessing and credential stuffing against the console show up as failures from
  unfamiliar networks; failures from the office are mostly typos and are left out.
HOW: 1) Group by sourceIPAddress and userIdentity.userName over the last hours: many users from one
  address is spraying, many failures on one user is guessing. 2) Check whether a success followed
  from the same address (console_login_untrusted_ip). 3) Block the address at the edge if it
  repeats; make sure the user has MFA.',
      source = 'Sigma: AWS ConsoleLogin Failure Monitoring by Ivan Saakov')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          userIdentity.userName,
          errorMessage
FROM cloudtrail
WHERE eventSource = 'signin.amazonaws.com'
  AND eventName = 'ConsoleLogin'
  AND (responseElements.ConsoleLogin = 'Failure' OR errorMessage IS NOT NULL)
  AND (sourceIPAddress IS NULL OR sourceIPAddress NOT IN trusted_ips);
