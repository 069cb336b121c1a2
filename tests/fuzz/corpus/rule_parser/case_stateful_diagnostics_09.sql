CREATE RULE r AS SELECT sourceIPAddress, count(*) AS n FROM cloudtrail
WHERE eventName = 'ConsoleLogin'
GROUP BY sourceIPAddress
WINDOW TUMBLING (SIZE 10 MINUTES)
HAVING count(*) >= 5 AND awsRegion = 'us-east-1';
