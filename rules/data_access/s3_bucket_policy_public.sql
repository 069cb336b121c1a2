-- Bucket policy with a statement that allows everyone (Principal *)
CREATE RULE s3_bucket_policy_public
WITH (severity = 'high',
      tags = 'T1530',
      description = 'Bucket policy with a statement that allows everyone (Principal *)',
      runbook = 'WHAT: PutBucketPolicy wrote a policy with an Allow statement whose Principal is * or {"AWS": "*"}.
WHY: Unless a condition narrows it, such a statement makes the bucket readable (or writable) by
  anyone on the internet. Deny statements with Principal * (e.g. TLS-only) do not count.
HOW: 1) Read the statement: actions, resources and any Condition (aws:SourceVpce, aws:PrincipalOrgID
  make it non-public). 2) Check that Block Public Access is on (s3_public_access_block_removed). 3)
  Remove the statement if unapproved and review reads since.')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters.bucketName,
          requestParameters.bucketPolicy
FROM cloudtrail
WHERE eventSource = 's3.amazonaws.com'
  AND eventName = 'PutBucketPolicy'
  AND errorCode IS NULL
  AND requestParameters.bucketPolicy.Statement REGEXP
        '"Effect":"Allow".*"Principal":("\*"|\{"AWS":("\*"|\[[^\]]*"\*"))|"Principal":("\*"|\{"AWS":("\*"|\[[^\]]*"\*")).*"Effect":"Allow"';
