-- Seed runbook query 3, made a detection: objects read from sensitive buckets outside business
-- hours (07:00-19:00 UTC), using hour(eventTime). Successful reads only; the batch jobs in
-- sensitive_bucket_readers read at night by design.
CREATE RULE sensitive_s3_read_off_hours
WITH (severity = 'medium',
      tags = 'T1530',
      description = 'Object read from a sensitive bucket outside 07:00-19:00 UTC',
      runbook = 'WHAT: A successful GetObject on a bucket in rules/lists/sensitive_buckets.txt at night (UTC), by
  someone other than the batch identities in sensitive_bucket_readers.txt.
WHY: Payroll, secrets and customer data are read by people during working hours; night-time reads by
  humans or unexpected roles are a common sign of data theft with stolen credentials.
HOW: 1) Look at who read what (bucketName, key, userIdentity.arn) and how much
  (additionalEventData.bytesTransferredOut). 2) Ask the principal''s owner. 3) If unexpected, revoke
  the credentials and list everything else they read (same accessKeyId).')
AS SELECT bucketName,
          key,
          eventName,
          eventSource,
          awsRegion,
          userIdentity.arn
FROM cloudtrail_logs_table
WHERE eventSource = 's3.amazonaws.com'
  AND eventName = 'GetObject'
  AND bucketName IN sensitive_buckets
  AND (hour(eventTime) < 7 OR hour(eventTime) >= 19)
  AND errorCode IS NULL
  AND (userIdentity.principalId IS NULL OR userIdentity.principalId NOT IN sensitive_bucket_readers)
  AND (userIdentity.sessionContext.sessionIssuer.principalId IS NULL
       OR userIdentity.sessionContext.sessionIssuer.principalId NOT IN sensitive_bucket_readers);
