SELECT eventName FROM cloudtrail
WHERE eventName 'ConsoleLogin';
