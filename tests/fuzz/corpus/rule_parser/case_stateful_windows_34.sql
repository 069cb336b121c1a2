CREATE RULE burst AS SELECT sourceIPAddress, count(*) AS failures FROM cloudtrail
WHERE eventName = 'ConsoleLogin'
GROUP BY sourceIPAddress
WINDOW TUMBLING (SIZE 10 MINUTES)
HAVING count(*) >= 3;
