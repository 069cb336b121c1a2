-- Root user signed in to the console without MFA
CREATE RULE root_console_login_without_mfa
WITH (severity = 'critical',
      tags = 'T1078.004',
      description = 'Root user signed in to the console without MFA',
      runbook = 'WHAT: The account''s root user signed in with a password only.
WHY: Root can do everything, including closing the account and removing every other control; its
  password alone must never be enough.
HOW: 1) Find out who holds the root password and whether this was planned (billing, account
  settings). 2) If not planned: change the root password, add a hardware MFA, check for new IAM
  users, access keys and changed contact details. 3) Review every event of the session
  (root_account_activity).',
      source = 'Falco: Console Root Login Without MFA by The Falco Authors')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          additionalEventData.MFAUsed
FROM cloudtrail
WHERE eventSource = 'signin.amazonaws.com'
  AND eventName = 'ConsoleLogin'
  AND userIdentity.type = 'Root'
  AND responseElements.ConsoleLogin = 'Success'
  AND additionalEventData.MFAUsed = 'No';
