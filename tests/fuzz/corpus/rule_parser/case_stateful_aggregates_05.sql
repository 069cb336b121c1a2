CREATE RULE sample AS SELECT sourceIPAddress, array_agg(DISTINCT userIdentity.userName) LIMIT 3 AS sample_users
FROM cloudtrail
WHERE eventName = 'ConsoleLogin'
GROUP BY sourceIPAddress
WINDOW TUMBLING (SIZE 10 MINUTES);
