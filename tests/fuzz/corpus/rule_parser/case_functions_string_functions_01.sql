CREATE RULE admin AS SELECT eventName FROM cloudtrail
WHERE lower(userIdentity.userName) = 'admin';
