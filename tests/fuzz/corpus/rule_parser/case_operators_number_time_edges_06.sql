CREATE RULE flipped AS SELECT eventName FROM cloudtrail
WHERE '2023-10-01' <= eventTime;
