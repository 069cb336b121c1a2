CREATE RULE r AS SELECT eventName FROM cloudtrail
WHERE cidr_match(sourceIPAddress, 8);
