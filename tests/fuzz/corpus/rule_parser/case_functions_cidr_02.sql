CREATE RULE doc_v6 AS SELECT eventName FROM cloudtrail
WHERE cidr_match(sourceIPAddress, '2001:db8::/32');
