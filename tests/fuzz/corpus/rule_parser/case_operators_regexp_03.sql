CREATE RULE rl AS SELECT eventName FROM cloudtrail WHERE errorCode RLIKE 'Denied|Unauthorized';
CREATE RULE nr AS SELECT eventName FROM cloudtrail WHERE errorCode NOT REGEXP 'Denied';
CREATE RULE nrl AS SELECT eventName FROM cloudtrail WHERE errorCode NOT RLIKE 'Denied';
