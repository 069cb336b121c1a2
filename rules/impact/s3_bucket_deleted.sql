-- S3 bucket deleted
CREATE RULE s3_bucket_deleted
WITH (severity = 'medium',
      tags = 'T1485',
      description = 'S3 bucket deleted',
      runbook = 'WHAT: DeleteBucket removed a bucket (it was empty, so its objects were deleted before).
WHY: Bucket deletion is data destruction, and a deleted bucket name can be re-registered by anyone
  (bucket sniping) while your applications still point at it.
HOW: 1) Confirm with the owner. 2) If unexpected, look for the DeleteObject calls that emptied it
  and the identity behind them. 3) Recreate the bucket name to hold it.',
      source = 'Sigma: AWS Bucket Deleted by Ivan Saakov, Nasreddine Bencherchali')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters.bucketName
FROM cloudtrail
WHERE eventSource = 's3.amazonaws.com'
  AND eventName = 'DeleteBucket'
  AND errorCode IS NULL;
