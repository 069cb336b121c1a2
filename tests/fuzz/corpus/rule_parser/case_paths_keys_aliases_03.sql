CREATE RULE lc AS SELECT eventname FROM cloudtrail
WHERE eventname = 'ConsoleLogin' AND EVENTSOURCE = 'signin.amazonaws.com'
  AND useridentity.type = 'Root' AND sourceipaddress IS NOT NULL;
