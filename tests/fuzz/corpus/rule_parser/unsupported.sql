SELECT DISTINCT eventName FROM cloudtrail;
WITH x AS (SELECT 1) SELECT * FROM x;
SELECT * FROM (SELECT * FROM cloudtrail) WHERE eventName IN (SELECT 1);
SELECT count(*) FROM cloudtrail GROUP BY eventName HAVING count(*) > 1;