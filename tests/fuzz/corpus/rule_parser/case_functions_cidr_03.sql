CREATE LIST office ('203.0.113.0/24', '2001:db8:1::/48', '198.51.100.7');
CREATE RULE from_office AS SELECT eventName FROM cloudtrail
WHERE cidr_match(sourceIPAddress, office);
