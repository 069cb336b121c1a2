CREATE RULE starts AS SELECT eventName FROM cloudtrail WHERE eventName REGEXP '^Delete';
CREATE RULE ends AS SELECT eventName FROM cloudtrail WHERE eventName REGEXP 'Bucket$';
CREATE RULE whole AS SELECT eventName FROM cloudtrail WHERE eventName REGEXP '^(Get|Put)Object$';
