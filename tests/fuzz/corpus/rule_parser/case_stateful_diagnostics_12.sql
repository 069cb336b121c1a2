SELECT sourceIPAddress FROM cloudtrail WHERE eventName = 'ConsoleLogin'
GROUP BY sourceIPAddress;
