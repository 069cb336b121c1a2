CREATE RULE pairs AS SELECT sourceIPAddress, userIdentity.userName, count(*) AS n FROM cloudtrail
WHERE eventName = 'ConsoleLogin'
GROUP BY sourceIPAddress, userIdentity.userName
WINDOW TUMBLING (SIZE 10 MINUTES)
HAVING count(*) >= 2;
