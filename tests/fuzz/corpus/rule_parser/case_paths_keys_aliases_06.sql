CREATE RULE session_no_mfa AS SELECT eventName FROM cloudtrail
WHERE mfaAuthenticated = 'false';
CREATE RULE session_mfa AS SELECT eventName FROM cloudtrail
WHERE mfaAuthenticated = TRUE;
CREATE RULE console_no_mfa AS SELECT eventName FROM cloudtrail
WHERE eventName = 'ConsoleLogin' AND MFAUsed = 'No';
