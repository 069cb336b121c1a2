CREATE RULE east AS SELECT eventName FROM cloudtrail
WHERE upper(awsRegion) = 'US-EAST-1';
