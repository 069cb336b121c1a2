CREATE RULE off_hours AS SELECT eventName FROM cloudtrail
WHERE hour(eventTime) >= 22 OR hour(eventTime) < 6;
