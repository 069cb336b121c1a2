SELECT * FROM cloudtrail WHERE eventName NOT = 'a';
SELECT * FROM cloudtrail WHERE NOT NOT readOnly;