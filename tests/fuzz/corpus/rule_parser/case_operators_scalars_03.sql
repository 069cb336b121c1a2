CREATE RULE api AS SELECT eventName FROM cloudtrail
WHERE apiVersion = '2012';
