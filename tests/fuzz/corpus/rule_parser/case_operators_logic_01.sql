CREATE RULE prec AS SELECT eventName FROM cloudtrail
WHERE eventName = 'StopLogging' OR eventName = 'DeleteTrail' AND awsRegion = 'us-east-1';
