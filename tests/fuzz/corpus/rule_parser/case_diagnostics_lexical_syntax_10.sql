CREATE RULE a AS SELECT eventName FROM cloudtrail WHERE eventName = ;
CREATE RULE b AS SELECT eventName FROM cloudtrail WHERE eventName = 'B';
CREATE RULE c AS SELECT eventName FROM cloudtrail WHERE eventName BETWEEN 1;
