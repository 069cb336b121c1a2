CREATE RULE span AS SELECT count(*) AS n, min(eventTime) AS first_try, max(eventTime) AS last_try
FROM cloudtrail
WHERE eventName = 'ConsoleLogin'
WINDOW TUMBLING (SIZE 10 MINUTES);
