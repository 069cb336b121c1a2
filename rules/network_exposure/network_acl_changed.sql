-- Network ACL entry or association created, replaced or deleted
CREATE RULE network_acl_changed
WITH (severity = 'low',
      tags = 'T1562.007',
      description = 'Network ACL entry or association created, replaced or deleted',
      runbook = 'WHAT: CreateNetworkAclEntry, ReplaceNetworkAclEntry, DeleteNetworkAclEntry, DeleteNetworkAcl or
  ReplaceNetworkAclAssociation.
WHY: NACLs are the subnet-level firewall; a new allow or a removed deny can expose whole subnets and
  is rarely changed outside infrastructure code.
HOW: 1) Read the entry (ruleAction, egress, cidrBlock, portRange). 2) Check the change against IaC.
  3) Revert unapproved entries.',
      source = 'Sigma: New Network ACL Entry Added by jamesc-grafana')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters
FROM cloudtrail
WHERE eventSource = 'ec2.amazonaws.com'
  AND eventName IN ('CreateNetworkAclEntry', 'ReplaceNetworkAclEntry', 'DeleteNetworkAclEntry',
                    'DeleteNetworkAcl', 'ReplaceNetworkAclAssociation')
  AND errorCode IS NULL;
