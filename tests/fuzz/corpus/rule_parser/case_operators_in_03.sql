CREATE RULE admin_port AS SELECT eventName FROM cloudtrail
WHERE requestParameters.fromPort IN (22, 3389);
