CREATE RULE not_console AS SELECT eventName FROM cloudtrail
WHERE userAgent NOT LIKE '%console.amazonaws.com%';
