CREATE RULE agg WITH (allowed_lateness = '1h') AS SELECT count(*) AS n FROM cloudtrail
WHERE eventName = 'ConsoleLogin'
WINDOW TUMBLING (SIZE 10 MINUTES);
