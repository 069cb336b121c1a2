-- name: first
SELECT * FROM cloudtrail WHERE eventName = 'A';
-- name: first
SELECT * FROM cloudtrail WHERE eventName = 'B';
-- name:
SELECT * FROM cloudtrail;
SELECT eventName AS e, eventName AS e FROM cloudtrail;