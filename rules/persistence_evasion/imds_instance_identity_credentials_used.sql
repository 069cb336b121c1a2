-- EC2 instance identity role credentials used for something other than SSM
CREATE RULE imds_instance_identity_credentials_used
WITH (severity = 'high',
      tags = 'T1552.005,T1078',
      description = 'EC2 instance identity role credentials used for something other than SSM',
      runbook = 'WHAT: A call signed with an EC2 instance identity role (arn ...:assumed-role/aws:ec2-instance/...),
  outside Systems Manager and not made by AWS internally.
WHY: Instance identity credentials from the metadata service are meant for AWS agents such as SSM;
  seeing them elsewhere means someone lifted them from the instance.
HOW: 1) Identify the instance (the session name is the instance id). 2) Check sourceIPAddress: is it
  the instance''s own address? 3) Isolate the instance and look for IMDS abuse (SSRF, compromised
  process).',
      source = 'Sigma: Malicious Usage Of IMDS Credentials Outside Of AWS Infrastructure by jamesc-grafana')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          eventSource
FROM cloudtrail
WHERE userIdentity.arn REGEXP ':assumed-role/aws:.+'
  AND eventSource != 'ssm.amazonaws.com'
  AND eventName != 'RegisterManagedInstance'
  AND sourceIPAddress != 'AWS Internal';
