-- A new default version of a customer managed policy, or a rollback to an old version
CREATE RULE iam_policy_version_set_default
WITH (severity = 'medium',
      tags = 'T1098.003',
      description = 'A new default version of a customer managed policy, or a rollback to an old version',
      runbook = 'WHAT: CreatePolicyVersion with setAsDefault = true, or SetDefaultPolicyVersion, changed what a
  customer managed policy grants, for every identity it is attached to.
WHY: Editing a policy that is already attached (or reviving an old permissive version) escalates
  privileges without any attach event.
HOW: 1) Compare the new version''s document with the previous default (aws iam get-policy-version).
  2) List the policy''s attachments to see who gains. 3) If unapproved, set the previous version as
  default again and delete the new one.',
      source = 'Sigma: AWS IAM Managed Policy Version Created or Default Version Set by Vladimir Novikov')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters.policyArn,
          requestParameters.versionId,
          requestParameters.policyDocument
FROM cloudtrail
WHERE eventSource = 'iam.amazonaws.com'
  AND errorCode IS NULL
  AND ((eventName = 'CreatePolicyVersion' AND requestParameters.setAsDefault = TRUE)
       OR eventName = 'SetDefaultPolicyVersion');
