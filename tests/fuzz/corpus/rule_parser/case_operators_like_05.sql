CREATE RULE any_case AS SELECT eventName FROM cloudtrail
WHERE eventName ILIKE 'consolelogin';
CREATE RULE not_stop AS SELECT eventName FROM cloudtrail
WHERE eventName NOT ILIKE '%logging';
