SELECT eventName FROM cloudtrail WHERE eventName = 'A'
UNION SELECT eventName FROM cloudtrail WHERE eventName = 'B';
