CREATE RULE root
WITH (suppress_by = 'sourceIPAddress', suppress_for = '30m')
AS SELECT eventName FROM cloudtrail WHERE userIdentity.type = 'Root';
