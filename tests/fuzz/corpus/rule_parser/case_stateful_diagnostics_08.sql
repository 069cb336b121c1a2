CREATE RULE r AS SELECT sourceIPAddress, awsRegion, userAgent, count(*) AS n FROM cloudtrail
WHERE eventName = 'ConsoleLogin'
GROUP BY sourceIPAddress
WINDOW TUMBLING (SIZE 10 MINUTES);
