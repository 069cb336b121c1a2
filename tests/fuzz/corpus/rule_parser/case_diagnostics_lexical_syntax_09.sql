CREATE RULE r SELECT eventName FROM cloudtrail WHERE eventName = 'A';
