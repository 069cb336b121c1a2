-- S3 Block Public Access removed or weakened (bucket or account level)
CREATE RULE s3_public_access_block_removed
WITH (severity = 'high',
      tags = 'T1530,T1562',
      description = 'S3 Block Public Access removed or weakened (bucket or account level)',
      runbook = 'WHAT: DeleteBucketPublicAccessBlock / DeleteAccountPublicAccessBlock, or a Put...PublicAccessBlock
  that sets one of BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets to
  false.
WHY: Block Public Access is the guard rail that keeps a bad policy or ACL from exposing data;
  attackers lift it before making a bucket public.
HOW: 1) Turn the four settings back on. 2) Check for public policies or ACLs added after
  (s3_bucket_policy_public, s3_bucket_acl_public). 3) Identify the caller.',
      source = 'Falco: Delete Bucket Public Access Block by The Falco Authors; Sigma: AWS Bucket Block Public Access Weakened by Shoban Chiddarth')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters.bucketName,
          requestParameters.PublicAccessBlockConfiguration
FROM cloudtrail
WHERE eventSource = 's3.amazonaws.com'
  AND errorCode IS NULL
  AND (eventName IN ('DeleteBucketPublicAccessBlock', 'DeleteAccountPublicAccessBlock')
       OR (eventName IN ('PutBucketPublicAccessBlock', 'PutAccountPublicAccessBlock')
           AND (requestParameters.PublicAccessBlockConfiguration.BlockPublicAcls = FALSE
                OR requestParameters.PublicAccessBlockConfiguration.IgnorePublicAcls = FALSE
                OR requestParameters.PublicAccessBlockConfiguration.BlockPublicPolicy = FALSE
                OR requestParameters.PublicAccessBlockConfiguration.RestrictPublicBuckets = FALSE)));
