CREATE RULE everything AS SELECT eventName FROM cloudtrail;
