CREATE RULE root
WITH (severity = 'high', suppress_by = 'sourceIPAddress', suppress_for = '30m')
AS SELECT eventName, sourceIPAddress FROM cloudtrail WHERE userIdentity.type = 'Root';
