CREATE RULE us_regions AS SELECT eventName FROM cloudtrail
WHERE awsRegion LIKE 'us-____-1';
