CREATE VIEW s3 AS SELECT * FROM cloudtrail WHERE eventSource = 's3.amazonaws.com';
CREATE VIEW s3 AS SELECT * FROM cloudtrail WHERE eventSource = 's3.amazonaws.com';
CREATE RULE r AS SELECT eventName FROM s3 WHERE eventName = 'GetObject';
