SELECT eventName FROM cloudtrail
JOIN identities ON eventName = 'A'
WHERE eventName = 'A';
