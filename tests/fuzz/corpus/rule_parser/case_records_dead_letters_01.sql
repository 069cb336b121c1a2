CREATE RULE any_event AS SELECT eventName FROM cloudtrail WHERE eventName IS NOT NULL;
