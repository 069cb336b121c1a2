CREATE RULE n2 AS SELECT eventName FROM cloudtrail
WHERE NOT (eventName = 'GetObject' OR (eventName = 'PutObject' AND awsRegion = 'us-east-1'))
  AND eventSource = 's3.amazonaws.com';
