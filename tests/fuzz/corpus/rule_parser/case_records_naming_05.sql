CREATE LIST regions ('us-east-1');
CREATE VIEW ec2 AS SELECT * FROM cloudtrail WHERE eventSource = 'ec2.amazonaws.com';
SELECT eventName FROM ec2 WHERE eventName = 'RunInstances';
CREATE RULE named AS SELECT eventName FROM ec2 WHERE awsRegion IN regions;
SELECT eventName FROM ec2 WHERE eventName = 'TerminateInstances';
