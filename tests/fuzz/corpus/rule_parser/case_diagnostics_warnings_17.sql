CREATE RULE r AS SELECT eventName FROM cloudtrail WHERE eventtime >= 'YYYY-MM-DD';
