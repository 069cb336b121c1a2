CREATE LIST trusted_ips FROM FILE 'lists/trusted_ips.txt';
CREATE RULE console_login_untrusted
WITH (severity = 'high', tags = 'T1078,T1133', description = 'Console login from outside the office')
AS SELECT eventName, awsRegion, sourceIPAddress
   FROM cloudtrail
   WHERE eventName = 'ConsoleLogin' AND sourceIPAddress NOT IN trusted_ips;
