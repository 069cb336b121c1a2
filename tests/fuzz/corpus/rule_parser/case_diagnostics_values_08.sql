CREATE RULE r AS SELECT eventName FROM cloudtrail
WHERE hour(eventTime, 'Mars/Olympus_Mons') = 3;
