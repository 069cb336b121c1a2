-- VPC route created, replaced or deleted, or a route table association replaced
CREATE RULE route_table_changed
WITH (severity = 'low',
      tags = 'T1562.007',
      description = 'VPC route created, replaced or deleted, or a route table association replaced',
      runbook = 'WHAT: CreateRoute, ReplaceRoute, DeleteRoute or ReplaceRouteTableAssociation.
WHY: Routes decide where traffic leaves a subnet; a new default route via an internet gateway, a
  peering or an attacker''s instance can expose or intercept traffic.
HOW: 1) Read destinationCidrBlock and the target (gatewayId, instanceId, vpcPeeringConnectionId). 2)
  Check against IaC. 3) Revert unapproved routes.',
      source = 'Sigma: New Network Route Added by jamesc-grafana')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters
FROM cloudtrail
WHERE eventSource = 'ec2.amazonaws.com'
  AND eventName IN ('CreateRoute', 'ReplaceRoute', 'DeleteRoute', 'ReplaceRouteTableAssociation')
  AND errorCode IS NULL;
