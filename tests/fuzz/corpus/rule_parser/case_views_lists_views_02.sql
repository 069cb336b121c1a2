CREATE VIEW s3 AS SELECT * FROM cloudtrail WHERE eventSource = 's3.amazonaws.com';
CREATE VIEW s3_errors AS SELECT * FROM s3 WHERE errorCode IS NOT NULL;
CREATE VIEW s3_denied AS SELECT * FROM s3_errors WHERE errorCode = 'AccessDenied';
CREATE RULE denied_get AS SELECT eventName FROM s3_denied WHERE eventName = 'GetObject';
