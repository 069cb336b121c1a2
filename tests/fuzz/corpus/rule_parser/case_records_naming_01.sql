SELECT eventName FROM cloudtrail WHERE eventSource = 'iam.amazonaws.com';
SELECT eventName FROM cloudtrail WHERE eventName = 'CreateUser';
SELECT eventName FROM cloudtrail WHERE eventName = 'DeleteUser';
