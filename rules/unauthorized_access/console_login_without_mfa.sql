-- Successful console login by an IAM user or root without MFA
CREATE RULE console_login_without_mfa
WITH (severity = 'high',
      tags = 'T1078.004',
      description = 'Successful console login by an IAM user or root without MFA',
      runbook = 'WHAT: An IAM user or the root user signed in to the console with a password only
  (additionalEventData.MFAUsed = No).
WHY: A password alone is what phishing and credential stuffing steal; every human console user
  should have MFA. Federated (AssumedRole) sign-ins do MFA at the identity provider and are left
  out.
HOW: 1) Confirm with the user that the login was theirs. 2) Enforce MFA (IAM policy with
  aws:MultiFactorAuthPresent, or move the user to IAM Identity Center). 3) If the login was not
  theirs, reset the password and review the session''s activity.',
      source = 'Falco: Console Login Without MFA by The Falco Authors; Sigma: AWS Successful Console Login Without MFA by Ivan Saakov')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          userIdentity.type,
          additionalEventData.MFAUsed
FROM cloudtrail
WHERE eventSource = 'signin.amazonaws.com'
  AND eventName = 'ConsoleLogin'
  AND responseElements.ConsoleLogin = 'Success'
  AND additionalEventData.MFAUsed = 'No'
  AND userIdentity.type IN ('IAMUser', 'Root');
