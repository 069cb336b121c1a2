-- A role trust policy lets any AWS principal (*) assume the role
CREATE RULE iam_role_trust_policy_public
WITH (severity = 'critical',
      tags = 'T1098.003',
      description = 'A role trust policy lets any AWS principal (*) assume the role',
      runbook = 'WHAT: CreateRole or UpdateAssumeRolePolicy wrote a trust policy whose Principal is * or {"AWS":
  "*"}.
WHY: Anyone with any AWS account can then assume the role (unless a condition narrows it): a public
  backdoor.
HOW: 1) Read the trust policy and any Condition in it. 2) Unless a strict condition (sts:ExternalId,
  aws:PrincipalOrgID) limits it, replace the trust policy at once. 3) Search AssumeRole events on
  the role from unknown accounts.')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters.roleName,
          requestParameters.policyDocument,
          requestParameters.assumeRolePolicyDocument
FROM cloudtrail
WHERE eventSource = 'iam.amazonaws.com'
  AND eventName IN ('CreateRole', 'UpdateAssumeRolePolicy')
  AND errorCode IS NULL
  AND (requestParameters.policyDocument REGEXP '"Principal"\s*:\s*"\*"|"AWS"\s*:\s*(\[[^\]]*)?"\*"'
       OR requestParameters.assumeRolePolicyDocument REGEXP '"Principal"\s*:\s*"\*"|"AWS"\s*:\s*(\[[^\]]*)?"\*"');
