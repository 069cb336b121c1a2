CREATE RULE writes AS SELECT eventName FROM cloudtrail
WHERE readOnly = 'false';
