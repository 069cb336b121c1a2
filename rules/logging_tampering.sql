CREATE RULE cloudtrail_logging_stopped
WITH (severity = 'critical', tags = 'T1562.008',
      description = 'CloudTrail logging stopped, a trail deleted or its selectors changed')
AS SELECT eventName, requestParameters.name, userIdentity.arn, sourceIPAddress
FROM cloudtrail
WHERE eventSource = 'cloudtrail.amazonaws.com'
  AND eventName IN ('StopLogging', 'DeleteTrail', 'UpdateTrail', 'PutEventSelectors')
  AND errorCode IS NULL;

CREATE RULE security_group_open_to_world
WITH (severity = 'high', tags = 'T1562.007',
      description = 'Security group ingress opened to 0.0.0.0/0 or ::/0')
AS SELECT eventName, requestParameters.groupId, userIdentity.arn
FROM cloudtrail
WHERE eventName = 'AuthorizeSecurityGroupIngress'
  AND (requestParameters.ipPermissions.items[*].ipRanges.items[*].cidrIp = '0.0.0.0/0'
       OR requestParameters.ipPermissions.items[*].ipv6Ranges.items[*].cidrIpv6 = '::/0');

CREATE RULE console_login_failed
WITH (severity = 'low', tags = 'T1110',
      description = 'Failed console login')
AS SELECT sourceIPAddress, userIdentity.userName, errorMessage
FROM cloudtrail
WHERE eventName = 'ConsoleLogin'
  AND (errorMessage IS NOT NULL OR responseElements.ConsoleLogin = 'Failure');
