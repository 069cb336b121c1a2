SELECT * FROM cloudtrail WHERE eventName = eventSource;
