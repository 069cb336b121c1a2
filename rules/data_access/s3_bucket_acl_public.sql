-- Bucket ACL grants access to AllUsers or AuthenticatedUsers
CREATE RULE s3_bucket_acl_public
WITH (severity = 'high',
      tags = 'T1530',
      description = 'Bucket ACL grants access to AllUsers or AuthenticatedUsers',
      runbook = 'WHAT: PutBucketAcl granted a permission to the AllUsers (anyone) or AuthenticatedUsers (any AWS
  account) group, or applied a public canned ACL (public-read, public-read-write, authenticated-
  read).
WHY: Public ACLs are the oldest way buckets leak; with Object Ownership enforced ACLs should not be
  used at all.
HOW: 1) Check the grant''s Permission (READ, WRITE, FULL_CONTROL). 2) Reset the ACL to private and
  enable Block Public Access. 3) Review reads and writes since the change.',
      source = 'Falco: Put Bucket ACL by The Falco Authors (public grants only)')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters.bucketName,
          requestParameters.AccessControlPolicy,
          requestParameters."x-amz-acl"
FROM cloudtrail
WHERE eventSource = 's3.amazonaws.com'
  AND eventName = 'PutBucketAcl'
  AND errorCode IS NULL
  AND (requestParameters.AccessControlPolicy.AccessControlList.Grant.Grantee.URI
         = 'http://acs.amazonaws.com/groups/global/AllUsers'
       OR requestParameters.AccessControlPolicy.AccessControlList.Grant.Grantee.URI
         = 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers'
       OR requestParameters."x-amz-acl" IN ('public-read', 'public-read-write', 'authenticated-read'));
