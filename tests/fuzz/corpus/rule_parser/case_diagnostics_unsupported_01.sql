SELECT eventName FROM cloudtrail WHERE eventName = 'ConsoleLogin'
ORDER BY eventTime;
