CREATE RULE any_prod AS SELECT eventName FROM cloudtrail
WHERE resources[*].ARN LIKE 'arn:aws:s3:::prod-%';
