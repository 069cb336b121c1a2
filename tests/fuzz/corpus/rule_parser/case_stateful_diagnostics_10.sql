CREATE RULE r AS SELECT eventName, count(*) AS n FROM cloudtrail
WHERE eventName = 'ConsoleLogin'
WINDOW TUMBLING (SIZE 10 MINUTES);
