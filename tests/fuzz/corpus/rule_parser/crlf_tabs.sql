-- name: crlf
SELECT	eventName
FROM cloudtrail
WHERE	eventName = 'A';
