CREATE RULE service_caller AS SELECT eventName FROM cloudtrail
WHERE sourceIPAddress IS NOT NULL AND cidr_match(sourceIPAddress, '0.0.0.0/0') IS NULL;
