CREATE RULE r AS SELECT eventName FROM cloudtrail WHERE userIdentity.userName IN ('Admin', 'admin', 'ADMIN');
