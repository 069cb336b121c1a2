-- Commands sent to instances with SSM Run Command
CREATE RULE ssm_command_sent
WITH (severity = 'medium',
      tags = 'T1651',
      description = 'Commands sent to instances with SSM Run Command',
      runbook = 'WHAT: SendCommand ran a document (for example AWS-RunShellScript) on one or more managed instances.
WHY: Run Command executes as root/SYSTEM on every targeted instance; with the right IAM permissions
  it is remote code execution across the fleet.
HOW: 1) Read documentName and targets/instanceIds; fetch the command''s parameters and output
  (GetCommandInvocation). 2) Confirm with the owner. 3) If unexpected, isolate the instances and
  revoke the caller.',
      source = 'Sigma: Potential Malicious Usage of CloudTrail System Manager by jamesc-grafana')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters.documentName,
          requestParameters.instanceIds,
          requestParameters.targets
FROM cloudtrail
WHERE eventSource = 'ssm.amazonaws.com'
  AND eventName = 'SendCommand'
  AND errorCode IS NULL;
