-- S3 bucket versioning suspended
CREATE RULE s3_bucket_versioning_suspended
WITH (severity = 'medium',
      tags = 'T1490',
      description = 'S3 bucket versioning suspended',
      runbook = 'WHAT: PutBucketVersioning set the bucket''s versioning status to Suspended.
WHY: Versioning keeps the old copies of overwritten or deleted objects; ransomware actors suspend it
  before deleting or encrypting objects.
HOW: 1) Re-enable versioning. 2) Check for DeleteObject/PutObject bursts on the bucket after the
  change. 3) Review the caller.',
      source = 'Sigma: AWS S3 Bucket Versioning Disable by Sean Johnstone | Unit 42')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters.bucketName
FROM cloudtrail
WHERE eventSource = 's3.amazonaws.com'
  AND eventName = 'PutBucketVersioning'
  AND requestParameters.VersioningConfiguration.Status = 'Suspended'
  AND errorCode IS NULL;
