SELECT * FROM cloudtrail WHERE eventName = 'ConsoleLogin'
  AND (sourceIPAddress IS NULL OR sourceIPAddress NOT IN ('203.0.113.7'));
