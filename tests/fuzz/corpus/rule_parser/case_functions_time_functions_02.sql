CREATE RULE ny_22 AS SELECT eventName FROM cloudtrail
WHERE hour(eventTime, 'America/New_York') = 22;
CREATE RULE utc_22 AS SELECT eventName FROM cloudtrail
WHERE hour(eventTime) = 22;
