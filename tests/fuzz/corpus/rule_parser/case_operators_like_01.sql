CREATE RULE deletes AS SELECT eventName FROM cloudtrail
WHERE eventName LIKE 'Delete%';
CREATE RULE exact AS SELECT eventName FROM cloudtrail
WHERE eventName LIKE 'Delete';
