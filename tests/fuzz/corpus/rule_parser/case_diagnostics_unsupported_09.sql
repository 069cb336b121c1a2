SELECT eventName FROM cloudtrail
WHERE sourceIPAddress IN (SELECT sourceIPAddress FROM cloudtrail WHERE errorCode = 'AccessDenied');
