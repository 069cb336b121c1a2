CREATE RULE internal AS SELECT eventName FROM cloudtrail
WHERE cidr_match(sourceIPAddress, '10.0.0.0/8');
