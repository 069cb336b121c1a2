-- One principal read objects from 20 or more buckets within an hour
CREATE RULE many_buckets_read
WITH (severity = 'medium',
      tags = 'T1530,T1119',
      description = 'One principal read objects (GetObject) from 20 or more distinct S3 buckets within a clock hour',
      runbook = 'WHAT: One userIdentity.arn downloaded objects from at least 20 different buckets within one
  clock hour (a tumbling window [hh:00, hh+1:00) UTC; the alert points at the last read counted in
  it). fields has the number of buckets and reads and the first twenty bucket names, sorted. Only
  successful reads count; denied ones are for access_denied_burst.
WHY: Applications read from a handful of buckets; a person or tool sweeping through many buckets is
  collecting data, the step before exfiltration (and what ransomware groups do before deleting). It
  needs S3 data events in the trail.
HOW: 1) Check whether the principal is a backup, replication, analytics (Athena reads as the
  querying user) or inventory job; if so, tune it out by its userIdentity.principalId. 2) Look at the
  buckets in sample_buckets (sensitive_buckets first) and the volume (additionalEventData
  bytesTransferredOut of the reads). 3) If unexpected, revoke the credentials and look for the copies:
  PutObject to buckets outside the organization, new replication rules (s3_data_management_changed).
  A sweep split across two clock hours can stay under 20 in each: watch for repeats just below.',
      allowed_lateness = '5m')
AS SELECT userIdentity.arn,
          count(DISTINCT requestParameters.bucketName) AS buckets,
          count(*) AS reads,
          min(eventTime) AS first_read,
          max(eventTime) AS last_read,
          array_agg(DISTINCT requestParameters.bucketName) LIMIT 20 AS sample_buckets
FROM cloudtrail
WHERE eventSource = 's3.amazonaws.com'
  AND eventName = 'GetObject'
  AND errorCode IS NULL
  AND userIdentity.arn IS NOT NULL
GROUP BY userIdentity.arn
WINDOW TUMBLING (SIZE 1 HOUR)
HAVING count(DISTINCT requestParameters.bucketName) >= 20;
