CREATE RULE zeta AS SELECT eventName FROM cloudtrail WHERE eventSource = 's3.amazonaws.com';
CREATE RULE alpha AS SELECT eventName FROM cloudtrail WHERE eventName = 'GetObject';
SELECT eventName FROM cloudtrail WHERE awsRegion = 'us-east-1';
CREATE RULE mid AS SELECT eventName FROM cloudtrail WHERE eventName LIKE '%Object';
