SELECT eventName FROM cloudtrail
WHERE eventSource = 'signin.amazonaws.com'
    AND eventNmae = 'ConsoleLogin';
