CREATE RULE open_world AS SELECT eventName FROM cloudtrail
WHERE eventName = 'AuthorizeSecurityGroupIngress'
  AND requestParameters.ipPermissions.items[*].ipRanges.items[*].cidrIp = '0.0.0.0/0';
