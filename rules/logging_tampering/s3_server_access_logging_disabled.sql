-- S3 server access logging turned off for a bucket
CREATE RULE s3_server_access_logging_disabled
WITH (severity = 'medium',
      tags = 'T1562.008',
      description = 'S3 server access logging turned off for a bucket',
      runbook = 'WHAT: PutBucketLogging with a BucketLoggingStatus that has no LoggingEnabled element.
WHY: Server access logs record every request to the bucket, including those CloudTrail data events
  may miss; switching them off before exfiltration removes the record.
HOW: 1) Re-enable logging to the log bucket. 2) Check whether the bucket holds sensitive data
  (sensitive_buckets) and what was read since. 3) Identify the caller.',
      source = 'Sigma: AWS S3 Data Management Tampering by Austin Songer @austinsonger')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters.bucketName
FROM cloudtrail
WHERE eventSource = 's3.amazonaws.com'
  AND eventName = 'PutBucketLogging'
  AND errorCode IS NULL
  AND requestParameters.BucketLoggingStatus.LoggingEnabled IS NULL;
