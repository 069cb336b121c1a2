CREATE RULE empty AS SELECT eventName FROM cloudtrail WHERE errorCode LIKE '';
