-- Bucket policy or ACL of a sensitive bucket changed
CREATE RULE s3_sensitive_bucket_permissions_changed
WITH (severity = 'medium',
      tags = 'T1530',
      description = 'Bucket policy or ACL of a sensitive bucket changed',
      runbook = 'WHAT: PutBucketPolicy, DeleteBucketPolicy or PutBucketAcl on a bucket in sensitive_buckets.txt.
WHY: Any access change on payroll, secrets or customer-data buckets needs a second look, public or
  not (a new cross-account principal is enough to exfiltrate).
HOW: 1) Diff the new policy/ACL with the previous one (Config history). 2) Confirm the change with
  the data owner. 3) Revert unapproved changes.',
      source = 'Falco: Put Bucket Policy, Put Bucket ACL by The Falco Authors (sensitive buckets only)')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters.bucketName,
          requestParameters.bucketPolicy,
          requestParameters.AccessControlPolicy
FROM cloudtrail
WHERE eventSource = 's3.amazonaws.com'
  AND eventName IN ('PutBucketPolicy', 'DeleteBucketPolicy', 'PutBucketAcl')
  AND requestParameters.bucketName IN sensitive_buckets
  AND errorCode IS NULL;
