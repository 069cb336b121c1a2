-- VPC peering requested with an account outside org_accounts
CREATE RULE vpc_peering_external_account
WITH (severity = 'medium',
      tags = 'T1021',
      description = 'VPC peering requested with an account outside org_accounts',
      runbook = 'WHAT: CreateVpcPeeringConnection named a peer owner account that is not in org_accounts.txt.
WHY: Peering with a foreign account opens network paths into your VPC that security groups written
  for a closed network may not expect.
HOW: 1) Identify the peer account and VPC. 2) Confirm with the network team (partners, vendors). 3)
  Reject or delete unapproved peerings.',
      source = 'Sigma: AWS VPC Peering Connection Created with External Account by Ivan Saakov')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters
FROM cloudtrail
WHERE eventSource = 'ec2.amazonaws.com'
  AND eventName = 'CreateVpcPeeringConnection'
  AND errorCode IS NULL
  AND requestParameters.peerOwnerId NOT IN org_accounts;
