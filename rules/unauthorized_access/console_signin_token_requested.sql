-- Federation sign-in token requested outside the IAM Identity Center portal
CREATE RULE console_signin_token_requested
WITH (severity = 'medium',
      tags = 'T1550.001,T1021.007',
      description = 'Federation sign-in token requested outside the IAM Identity Center portal',
      runbook = 'WHAT: GetSigninToken was called to turn temporary credentials into a console sign-in URL, by a
  client other than the IAM Identity Center portal (user agent Jersey/${project.version}).
WHY: aws_consoler and similar tools use GetSigninToken to move from stolen API keys to the console,
  which also hides which access key was stolen.
HOW: 1) Identify the credentials used (userIdentity.accessKeyId, principal). 2) Look for the
  ConsoleLogin that followed and what that session did. 3) If unexpected, revoke the sessions and
  rotate the keys behind them.',
      source = 'Sigma: AWS Console GetSigninToken Potential Abuse by Chester Le Bron (@123Le_Bron)')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          userAgent
FROM cloudtrail
WHERE eventSource = 'signin.amazonaws.com'
  AND eventName = 'GetSigninToken'
  AND (userAgent IS NULL OR userAgent NOT LIKE '%Jersey/${project.version}%');
