SELECT eventName FROM cloudtrail WHERE eventName = 'ConsoleLogin'
HAVING eventName = 'ConsoleLogin';
