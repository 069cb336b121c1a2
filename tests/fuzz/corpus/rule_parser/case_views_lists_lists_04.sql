CREATE LIST corp_nets ('10.0.0.0/8', '192.168.0.0/16');
CREATE RULE from_corp AS SELECT eventName FROM cloudtrail
WHERE sourceIPAddress IN corp_nets;
