CREATE RULE root
WITH (suppress_by = 'sourceIPAddress', suppress_for = '30m', allowed_lateness = '0s')
AS SELECT eventName FROM cloudtrail WHERE userIdentity.type = 'Root';
