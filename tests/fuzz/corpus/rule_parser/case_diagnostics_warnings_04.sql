CREATE RULE r1 AS SELECT eventName FROM cloudtrail WHERE awsregion = 'us-east-1' AND eventSorce = 'x';
CREATE RULE r2 AS SELECT eventName FROM cloudtrail WHERE userIdentity.typ = 'Root';
