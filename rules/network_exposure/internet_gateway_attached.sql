-- Internet gateway created or attached to a VPC
CREATE RULE internet_gateway_attached
WITH (severity = 'medium',
      tags = 'T1562.007',
      description = 'Internet gateway created or attached to a VPC',
      runbook = 'WHAT: CreateInternetGateway or AttachInternetGateway.
WHY: Attaching an internet gateway gives a private VPC a path to and from the internet, a route for
  exfiltration or for exposing internal hosts.
HOW: 1) Check which VPC (requestParameters.vpcId) and whether it is meant to be private. 2) Confirm
  with the network team. 3) Detach unapproved gateways.')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters
FROM cloudtrail
WHERE eventSource = 'ec2.amazonaws.com'
  AND eventName IN ('CreateInternetGateway', 'AttachInternetGateway')
  AND errorCode IS NULL;
