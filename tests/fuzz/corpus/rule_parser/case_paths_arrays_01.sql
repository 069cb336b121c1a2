CREATE RULE first_arn AS SELECT eventName FROM cloudtrail
WHERE resources[0].ARN = 'arn:aws:s3:::prod-data';
CREATE RULE no_second AS SELECT eventName FROM cloudtrail
WHERE resources[1].ARN IS NULL;
