SELECT eventName FROM cloudtrail WHERE eventName = 'ConsoleLogin'
LIMIT 10;
