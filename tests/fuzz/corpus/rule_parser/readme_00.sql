-- A plain SELECT is a rule named after its file and position (file
-- iam.sql → iam_1, iam_2, …), or after a preceding `-- name: x` comment.
SELECT eventName, userIdentity, requestParameters
FROM cloudtrail_logs_table
WHERE eventSource = 'iam.amazonaws.com'
  AND eventName IN ('PutRolePolicy', 'AttachGroupPolicy');

CREATE RULE console_login_untrusted
WITH (severity = 'high', tags = 'T1078,T1133', description = 'Console login from outside the office')
AS SELECT eventName, awsRegion, sourceIPAddress
   FROM cloudtrail
   WHERE eventName = 'ConsoleLogin' AND sourceIPAddress NOT IN trusted_ips;

CREATE VIEW iam_writes AS
  SELECT * FROM cloudtrail WHERE eventSource = 'iam.amazonaws.com' AND readOnly = false;
SELECT eventName FROM iam_writes WHERE eventName LIKE 'Delete%';

CREATE LIST trusted_ips ('203.0.113.0/24', '198.51.100.7');
CREATE LIST admins FROM FILE 'lists/admins.txt';   -- relative to this .sql file
