CREATE LIST trusted_ips ('203.0.113.0/24');
CREATE RULE r AS SELECT eventName FROM cloudtrail
WHERE sourceIPAddress NOT IN trusted_ip;
