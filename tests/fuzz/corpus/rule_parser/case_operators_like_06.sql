CREATE RULE jos_ AS SELECT eventName FROM cloudtrail
WHERE userIdentity.userName LIKE 'Jos_';
