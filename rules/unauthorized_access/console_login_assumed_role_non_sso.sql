-- Console sign-in through an assumed role that is not an IAM Identity Center role
CREATE RULE console_login_assumed_role_non_sso
WITH (severity = 'medium',
      tags = 'T1078.004,T1550.001',
      description = 'Console sign-in through an assumed role that is not an IAM Identity Center role',
      runbook = 'WHAT: A role session signed in to the console via a federation sign-in URL, and the role is not one
  of the AWSReservedSSO_ roles IAM Identity Center creates.
WHY: Turning API credentials (for example a stolen role session) into a console session is how tools
  like aws_consoler pivot; people here sign in through IAM Identity Center.
HOW: 1) Look up who assumed the role (the AssumeRole event with the same session name). 2) Check the
  source address and user agent against that principal''s usual ones. 3) If unexpected, revoke the
  role''s sessions (AWSRevokeOlderSessions) and rotate the credentials that assumed it.',
      source = 'Falco: Console Login Through Assume Role by The Falco Authors')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          userIdentity.sessionContext.sessionIssuer.arn
FROM cloudtrail
WHERE eventSource = 'signin.amazonaws.com'
  AND eventName = 'ConsoleLogin'
  AND userIdentity.type = 'AssumedRole'
  AND responseElements.ConsoleLogin = 'Success'
  AND NOT starts_with(userIdentity.sessionContext.sessionIssuer.userName, 'AWSReservedSSO_');
