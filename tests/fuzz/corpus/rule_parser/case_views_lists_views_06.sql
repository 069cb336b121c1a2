CREATE VIEW everything AS SELECT * FROM cloudtrail;
CREATE RULE stop AS SELECT eventName FROM everything WHERE eventName = 'StopLogging';
