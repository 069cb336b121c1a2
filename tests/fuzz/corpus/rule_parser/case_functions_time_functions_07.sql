CREATE RULE utc3 AS SELECT eventName FROM cloudtrail WHERE hour(eventTime, 'UTC') = 3 AND day_of_week(eventTime, 'UTC') = 7;
