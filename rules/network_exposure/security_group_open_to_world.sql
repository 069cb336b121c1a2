-- Security group ingress opened to 0.0.0.0/0 or ::/0 on a port other than 80/443
CREATE RULE security_group_open_to_world
WITH (severity = 'high',
      tags = 'T1562.007',
      description = 'Security group ingress opened to 0.0.0.0/0 or ::/0 on a port other than 80/443',
      runbook = 'WHAT: AuthorizeSecurityGroupIngress allowed traffic from anywhere (0.0.0.0/0 or ::/0) to a port that
  is not plain web (80/443), or to all ports.
WHY: SSH, RDP, databases and caches open to the internet are scanned within minutes; attackers also
  open them for their own access. Web ports on load balancers are expected and left out.
HOW: 1) Look at the ports (ipPermissions.items[*].fromPort/toPort) and the group''s attachments. 2)
  Revoke the rule (RevokeSecurityGroupIngress) unless approved; use a narrower CIDR, SSM Session
  Manager or a VPN instead. 3) Review connection logs (VPC flow logs) since.')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters.groupId,
          requestParameters.ipPermissions
FROM cloudtrail
WHERE eventSource = 'ec2.amazonaws.com'
  AND eventName = 'AuthorizeSecurityGroupIngress'
  AND errorCode IS NULL
  AND (requestParameters.ipPermissions.items[*].ipRanges.items[*].cidrIp = '0.0.0.0/0'
       OR requestParameters.ipPermissions.items[*].ipv6Ranges.items[*].cidrIpv6 = '::/0')
  AND (requestParameters.ipPermissions.items[*].ipProtocol = '-1'
       OR requestParameters.ipPermissions.items[*].fromPort NOT IN (80, 443)
       OR requestParameters.ipPermissions.items[*].toPort NOT IN (80, 443));
