CREATE RULE nf AS SELECT eventName FROM cloudtrail
WHERE NOT (errorCode = 'AccessDenied' AND eventName = 'DeleteBucket');
