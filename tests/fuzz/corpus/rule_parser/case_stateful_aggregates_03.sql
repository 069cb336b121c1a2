CREATE RULE ports AS SELECT count(*) AS n, count(DISTINCT requestParameters.port) AS ports
FROM cloudtrail
WHERE eventName = 'AuthorizeSecurityGroupIngress'
WINDOW TUMBLING (SIZE 10 MINUTES);
