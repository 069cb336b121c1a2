-- VPC flow logs deleted
CREATE RULE vpc_flow_logs_deleted
WITH (severity = 'high',
      tags = 'T1562.008',
      description = 'VPC flow logs deleted',
      runbook = 'WHAT: DeleteFlowLogs removed one or more flow logs.
WHY: Flow logs are the network record of exfiltration and lateral movement; deleting them removes
  that evidence.
HOW: 1) Identify the flow log ids and the VPCs/ENIs they covered. 2) Recreate them from IaC. 3)
  Review the caller''s other activity.',
      source = 'Sigma: AWS VPC Flow Logs Deleted by Ivan Saakov')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters
FROM cloudtrail
WHERE eventSource = 'ec2.amazonaws.com'
  AND eventName = 'DeleteFlowLogs'
  AND errorCode IS NULL;
