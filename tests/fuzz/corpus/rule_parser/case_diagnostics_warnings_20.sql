CREATE LIST trusted_ips ('203.0.113.0/24');
CREATE VIEW logins AS SELECT * FROM cloudtrail WHERE eventName = 'ConsoleLogin';
