CREATE RULE root
WITH (suppress_by = 'userIdentity.arn,sourceIPAddress', suppress_for = '30m')
AS SELECT eventName FROM cloudtrail WHERE eventName = 'DeleteTrail';
