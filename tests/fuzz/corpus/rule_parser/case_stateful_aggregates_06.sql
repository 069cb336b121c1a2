CREATE RULE sample AS SELECT count(*) AS n, array_agg(DISTINCT userIdentity.userName) LIMIT 5 AS sample_users
FROM cloudtrail
WHERE eventName = 'ConsoleLogin'
WINDOW TUMBLING (SIZE 10 MINUTES);
