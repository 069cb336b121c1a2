CREATE RULE r AS SELECT eventName FROM cloudtrail
WHERE requestParameters.fromPort NOT IN (443, 80, 443);
