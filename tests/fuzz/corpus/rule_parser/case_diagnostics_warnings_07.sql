CREATE RULE r AS SELECT eventName FROM cloudtrail
WHERE eventName IN ('PutRolePolicy', 'AttachGroupPolicy', 'PutRolePolicy');
