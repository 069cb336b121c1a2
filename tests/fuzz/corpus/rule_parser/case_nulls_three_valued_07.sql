CREATE RULE no_mfa AS SELECT eventName FROM cloudtrail
WHERE userIdentity.sessionContext.attributes.mfaAuthenticated = 'false';
CREATE RULE mfa_unknown AS SELECT eventName FROM cloudtrail
WHERE userIdentity.sessionContext.attributes.mfaAuthenticated IS NULL;
