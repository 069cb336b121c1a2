CREATE RULE r AS SELECT eventName FROM cloudtrail
WHERE userIdentity.sesionContext.attributes.mfaAuthenticated = 'false';
