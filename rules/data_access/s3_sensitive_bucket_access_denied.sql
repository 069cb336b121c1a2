-- Access denied on a sensitive bucket, from an address outside trusted_ips
CREATE RULE s3_sensitive_bucket_access_denied
WITH (severity = 'low',
      tags = 'T1530,T1619',
      description = 'Access denied on a sensitive bucket, from an address outside trusted_ips',
      runbook = 'WHAT: An S3 request on a bucket in sensitive_buckets.txt failed with AccessDenied and came from an
  IP address outside trusted_ips (denials of jobs running in your own networks are left to the
  owners).
WHY: Someone tried to read or list payroll, secrets or customer data without permission: a
  misconfigured job, or credentials being tested against valuable targets.
HOW: 1) Who (userIdentity.arn, sourceIPAddress) and what (eventName, key). 2) Look for the same
  principal probing other buckets or services. 3) Fix the job, or treat the credentials as
  compromised if the principal should never touch the bucket.')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters.bucketName,
          requestParameters.key
FROM cloudtrail
WHERE eventSource = 's3.amazonaws.com'
  AND errorCode = 'AccessDenied'
  AND requestParameters.bucketName IN sensitive_buckets
  AND (cidr_match(sourceIPAddress, '0.0.0.0/0') OR cidr_match(sourceIPAddress, '::/0'))
  AND sourceIPAddress NOT IN trusted_ips;
