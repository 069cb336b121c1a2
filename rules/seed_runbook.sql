-- The seed runbook's three queries as named rules, with lists in place of
-- the placeholders.

CREATE LIST trusted_ips FROM FILE 'lists/trusted_ips.txt';
CREATE LIST sensitive_buckets FROM FILE 'lists/sensitive_buckets.txt';

CREATE RULE console_login_untrusted_ip
WITH (severity = 'high', tags = 'T1078,T1133',
      description = 'Console login from an address outside trusted_ips')
AS SELECT eventName, awsRegion, sourceIPAddress, userIdentity.arn
FROM cloudtrail_logs_table
WHERE eventName = 'ConsoleLogin'
  AND sourceIPAddress NOT IN trusted_ips;

CREATE RULE iam_inline_or_group_policy_change
WITH (severity = 'medium', tags = 'T1098',
      description = 'Inline role policy written or managed policy attached to a group')
AS SELECT eventName, userIdentity, requestParameters
FROM cloudtrail_logs_table
WHERE eventSource = 'iam.amazonaws.com'
  AND eventName IN ('PutRolePolicy', 'AttachGroupPolicy');

CREATE RULE sensitive_s3_read_off_hours
WITH (severity = 'medium', tags = 'T1530',
      description = 'Object read from a sensitive bucket outside 07:00-19:00 UTC')
AS SELECT bucketName, key, eventName, eventSource, awsRegion, userIdentity.arn
FROM cloudtrail_logs_table
WHERE eventSource = 's3.amazonaws.com'
  AND eventName = 'GetObject'
  AND bucketName IN sensitive_buckets
  AND (hour(eventTime) < 7 OR hour(eventTime) >= 19);
