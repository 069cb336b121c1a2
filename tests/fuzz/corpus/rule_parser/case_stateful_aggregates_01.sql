CREATE RULE spray AS SELECT sourceIPAddress, count(*) AS attempts, count(DISTINCT userIdentity.userName) AS users
FROM cloudtrail
WHERE eventName = 'ConsoleLogin'
GROUP BY sourceIPAddress
WINDOW TUMBLING (SIZE 10 MINUTES);
