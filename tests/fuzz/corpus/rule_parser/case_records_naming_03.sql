CREATE RULE root_login
WITH (severity = 'critical', tags = 'T1078.004', description = 'Root console login', owner = 'secops')
AS SELECT eventName, sourceIPAddress FROM cloudtrail
WHERE eventName = 'ConsoleLogin' AND userIdentity.type = 'Root';
CREATE RULE low_one WITH (severity = 'low') AS SELECT eventName FROM cloudtrail WHERE eventName = 'ConsoleLogin';
CREATE RULE info_one WITH (severity = 'info', tags = '') AS SELECT eventName FROM cloudtrail WHERE eventName = 'ConsoleLogin';
CREATE RULE med_one WITH (severity = 'medium') AS SELECT eventName FROM cloudtrail WHERE eventName = 'ConsoleLogin';
CREATE RULE high_one WITH (severity = 'high', description = 'it''s high') AS SELECT eventName FROM cloudtrail WHERE eventName = 'ConsoleLogin';
