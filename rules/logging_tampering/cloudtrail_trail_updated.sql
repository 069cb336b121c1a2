-- A CloudTrail trail's configuration was updated
CREATE RULE cloudtrail_trail_updated
WITH (severity = 'medium',
      tags = 'T1562.008',
      description = 'A CloudTrail trail''s configuration was updated',
      runbook = 'WHAT: UpdateTrail changed a trail: its bucket, prefix, regions, KMS key, log file validation or
  CloudWatch Logs delivery.
WHY: Pointing a trail at another bucket, making it single-region or turning off validation blinds
  the responders while logging seems on.
HOW: 1) Compare the request with the trail''s standard settings (IaC). 2) Check s3BucketName and
  kmsKeyId are yours, isMultiRegionTrail and enableLogFileValidation are true. 3) Revert unapproved
  changes.',
      source = 'Sigma: AWS CloudTrail Important Change by vitaliy0x1')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters
FROM cloudtrail
WHERE eventSource = 'cloudtrail.amazonaws.com'
  AND eventName = 'UpdateTrail'
  AND errorCode IS NULL;
