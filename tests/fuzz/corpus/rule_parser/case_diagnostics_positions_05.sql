CREATE VIEW s3 AS SELECT * FROM cloudtrail WHERE lowr(eventSource) = 's3.amazonaws.com';
CREATE RULE a AS SELECT eventName FROM s3 WHERE eventName = 'GetObject';
