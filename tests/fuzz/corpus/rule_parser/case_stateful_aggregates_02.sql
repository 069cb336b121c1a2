CREATE RULE no_ip AS SELECT userIdentity.arn, count(*) AS n, count(DISTINCT sourceIPAddress) AS ips
FROM cloudtrail
WHERE eventName = 'GetObject'
GROUP BY userIdentity.arn
WINDOW TUMBLING (SIZE 10 MINUTES);
