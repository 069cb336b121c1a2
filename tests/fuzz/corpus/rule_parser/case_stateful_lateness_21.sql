CREATE RULE agg AS SELECT count(*) AS n FROM cloudtrail
WHERE eventName = 'ConsoleLogin'
WINDOW TUMBLING (SIZE 10 MINUTES);
CREATE RULE seen AS SELECT eventName FROM cloudtrail
WHERE eventName = 'ConsoleLogin';
