CREATE LIST corp_nets ('10.0.0.0/8');
CREATE RULE not_corp AS SELECT eventName FROM cloudtrail
WHERE sourceIPAddress NOT IN corp_nets;
