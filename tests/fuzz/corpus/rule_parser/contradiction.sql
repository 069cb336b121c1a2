SELECT * FROM t WHERE eventName = 'A' AND eventName = 'B';
SELECT * FROM t WHERE readOnly = true AND readOnly = false;
SELECT * FROM t WHERE eventName IN ('A') AND eventName NOT IN ('A');