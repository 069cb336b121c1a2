-- Role assumption denied
CREATE RULE sts_assume_role_denied
WITH (severity = 'low',
      tags = 'T1087.004,T1580',
      description = 'Role assumption denied',
      runbook = 'WHAT: AssumeRole, AssumeRoleWithWebIdentity or AssumeRoleWithSAML failed with AccessDenied.
WHY: Guessing role names and trying roles in other accounts (Pacu iam__enum_roles) produces denied
  AssumeRole calls; so does a CI workflow trying a role it must not use.
HOW: 1) Check the target role (requestParameters.roleArn) and the caller. 2) Several roles or
  accounts from one caller is enumeration: investigate the caller''s credentials. 3) A CI subject
  (userName repo:...) means a pipeline tried a role outside its trust policy.')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters.roleArn,
          userIdentity.userName
FROM cloudtrail
WHERE eventSource = 'sts.amazonaws.com'
  AND eventName LIKE 'AssumeRole%'
  AND errorCode = 'AccessDenied';
