-- Default encryption configuration of a bucket deleted
CREATE RULE s3_bucket_encryption_deleted
WITH (severity = 'high',
      tags = 'T1562',
      description = 'Default encryption configuration of a bucket deleted',
      runbook = 'WHAT: DeleteBucketEncryption removed the bucket''s default encryption settings (for example SSE-KMS
  with a customer key).
WHY: Removing the customer-managed key from a bucket''s defaults takes KMS key policies out of the
  access path for new objects and usually breaks compliance requirements.
HOW: 1) Restore the default encryption (PutBucketEncryption) from IaC. 2) Check objects written
  since. 3) Review the caller.',
      source = 'Falco: Delete Bucket Encryption by The Falco Authors')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters.bucketName
FROM cloudtrail
WHERE eventSource = 's3.amazonaws.com'
  AND eventName = 'DeleteBucketEncryption'
  AND errorCode IS NULL;
