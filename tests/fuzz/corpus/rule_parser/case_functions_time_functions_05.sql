CREATE RULE weekend AS SELECT eventName FROM cloudtrail
WHERE eventName = 'ConsoleLogin' AND day_of_week(eventTime) IN (6, 7);
CREATE RULE weekday AS SELECT eventName FROM cloudtrail
WHERE eventName = 'ConsoleLogin' AND day_of_week(eventTime) BETWEEN 1 AND 5;
