-- IAM user listed all buckets from an address outside trusted_ips
CREATE RULE s3_bucket_enumeration_untrusted
WITH (severity = 'low',
      tags = 'T1580,T1619',
      description = 'IAM user listed all buckets from an address outside trusted_ips',
      runbook = 'WHAT: ListBuckets by an IAM user (long-term credentials or console) from an IP address outside
  trusted_ips.
WHY: Listing buckets is the first thing a stolen key is used for; applications use roles and people
  work from known networks.
HOW: 1) Identify the key and its owner. 2) Look for follow-up calls from the same address
  (GetBucketAcl, ListObjects, GetObject). 3) Deactivate the key if unexpected.',
      source = 'Sigma: Potential Bucket Enumeration on AWS by Christopher Peacock @securepeacock, SCYTHE @scythe_io')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          userIdentity.accessKeyId,
          userAgent
FROM cloudtrail
WHERE eventSource = 's3.amazonaws.com'
  AND eventName = 'ListBuckets'
  AND userIdentity.type = 'IAMUser'
  AND (cidr_match(sourceIPAddress, '0.0.0.0/0') OR cidr_match(sourceIPAddress, '::/0'))
  AND sourceIPAddress NOT IN trusted_ips;
