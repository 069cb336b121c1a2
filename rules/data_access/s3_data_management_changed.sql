-- Bucket replication, lifecycle or website configuration changed
CREATE RULE s3_data_management_changed
WITH (severity = 'low',
      tags = 'T1537',
      description = 'Bucket replication, lifecycle or website configuration changed',
      runbook = 'WHAT: PutBucketReplication, PutBucketLifecycle or PutBucketWebsite.
WHY: Replication to another account copies every new object out; a lifecycle rule can expire
  (delete) data or versions; website hosting publishes content.
HOW: 1) Read the configuration: replication destination bucket/account, lifecycle expirations. 2)
  Confirm with the bucket owner. 3) Remove unapproved configurations.',
      source = 'Sigma: AWS S3 Data Management Tampering by Austin Songer @austinsonger')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters.bucketName,
          requestParameters
FROM cloudtrail
WHERE eventSource = 's3.amazonaws.com'
  AND eventName IN ('PutBucketReplication', 'PutBucketLifecycle', 'PutBucketWebsite')
  AND errorCode IS NULL;
