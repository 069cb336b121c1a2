CREATE RULE first AS SELECT eventName FROM cloudtrail WHERE eventSource = 'iam.amazonaws.com';
CREATE RULE second AS SELECT eventName FROM cloudtrail WHERE eventName = 'CreateUser';
