-- EC2 instance user data (startup script) modified
CREATE RULE ec2_user_data_modified
WITH (severity = 'high',
      tags = 'T1059',
      description = 'EC2 instance user data (startup script) modified',
      runbook = 'WHAT: ModifyInstanceAttribute changed an instance''s userData, which runs as root at the next boot.
WHY: Rewriting user data and restarting the instance is a known way to run code as root on an
  instance (Pacu ec2__startup_shell_script).
HOW: 1) Read the current user data (DescribeInstanceAttribute). 2) Look for a StopInstances /
  StartInstances pair around the change. 3) Restore the original user data and inspect the instance.',
      source = 'Sigma: AWS EC2 Startup Shell Script Change by faloker')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters.instanceId
FROM cloudtrail
WHERE eventSource = 'ec2.amazonaws.com'
  AND eventName = 'ModifyInstanceAttribute'
  AND errorCode IS NULL
  AND (requestParameters.attribute = 'userData' OR requestParameters.userData IS NOT NULL);
