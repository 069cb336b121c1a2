CREATE RULE r WITH (severity = 'high', tags = 42) AS SELECT eventName FROM cloudtrail WHERE eventName = 'A';
