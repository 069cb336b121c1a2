-- IAM call made with the S3 Browser client
CREATE RULE s3browser_iam_activity
WITH (severity = 'high',
      tags = 'T1078.004,T1059.009',
      description = 'IAM call made with the S3 Browser client',
      runbook = 'WHAT: An IAM API call whose user agent is S3 Browser, a Windows GUI for S3.
WHY: The GUI-vil group uses S3 Browser with stolen keys to create IAM users, access keys and login
  profiles; admins do not manage IAM with an S3 GUI.
HOW: 1) Identify the access key and its owner. 2) Review and undo the IAM objects created (users,
  keys, login profiles, inline policies with <YOUR-BUCKET-NAME>). 3) Deactivate the key that was
  used.',
      source = 'Sigma: AWS IAM S3Browser User or AccessKey Creation, AWS IAM S3Browser LoginProfile Creation, AWS IAM S3Browser Templated S3 Bucket Policy Creation by daniel.bohannon@permiso.io (@danielhbohannon)')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          userAgent,
          requestParameters
FROM cloudtrail
WHERE eventSource = 'iam.amazonaws.com'
  AND userAgent LIKE '%S3 Browser%';
