CREATE RULE ne1 AS SELECT eventName FROM cloudtrail
WHERE awsRegion != 'us-east-1';
CREATE RULE ne2 AS SELECT eventName FROM cloudtrail
WHERE awsRegion <> 'us-east-1';
