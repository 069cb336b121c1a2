CREATE RULE boto AS SELECT eventName FROM cloudtrail
WHERE contains(userAgent, 'Boto3');
