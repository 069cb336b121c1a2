-- DynamoDB table exported to S3
CREATE RULE dynamodb_table_exported
WITH (severity = 'medium',
      tags = 'T1537,T1005',
      description = 'DynamoDB table exported to S3',
      runbook = 'WHAT: ExportTableToPointInTime started a full export of a table to an S3 bucket.
WHY: An export copies the whole table in one asynchronous call, without read traffic on the table;
  to a bucket in another account it is exfiltration.
HOW: 1) Check s3Bucket and s3BucketOwner (another account?). 2) Confirm with the table owner
  (analytics pipelines do this). 3) If unapproved, treat the table as exposed.',
      source = 'Sigma: AWS DynamoDB Table Exported to S3 by Ivan Saakov')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters.tableArn,
          requestParameters.s3Bucket,
          requestParameters.s3BucketOwner
FROM cloudtrail
WHERE eventSource = 'dynamodb.amazonaws.com'
  AND eventName = 'ExportTableToPointInTime'
  AND errorCode IS NULL;
