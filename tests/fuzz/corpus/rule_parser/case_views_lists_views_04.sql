CREATE RULE root_use AS SELECT eventName FROM root_activity WHERE eventName != 'ConsoleLogin';
CREATE VIEW root_activity AS SELECT * FROM cloudtrail WHERE userIdentity.type = 'Root';
