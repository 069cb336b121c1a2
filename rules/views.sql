-- Views shared by the rule pack. A rule reading FROM a view gets the view's
-- WHERE ANDed into its own.

-- Activity of anyone who is not an identity administrator (admin_principals,
-- by unique IAM id). An IAM user's userIdentity.principalId is its AIDA... id;
-- a role session's is "AROA...:session", so roles match on the session
-- issuer's principalId. A missing field counts as "not an administrator":
-- without the IS NULL arms, NOT IN on a missing field would be NULL and would
-- hide the event.
CREATE VIEW non_admin_activity AS
SELECT * FROM cloudtrail
WHERE (userIdentity.principalId IS NULL OR userIdentity.principalId NOT IN admin_principals)
  AND (userIdentity.sessionContext.sessionIssuer.principalId IS NULL
       OR userIdentity.sessionContext.sessionIssuer.principalId NOT IN admin_principals);

-- Activity of anyone who is not a CI/CD deployer (deploy_principals).
CREATE VIEW non_deploy_activity AS
SELECT * FROM cloudtrail
WHERE (userIdentity.principalId IS NULL OR userIdentity.principalId NOT IN deploy_principals)
  AND (userIdentity.sessionContext.sessionIssuer.principalId IS NULL
       OR userIdentity.sessionContext.sessionIssuer.principalId NOT IN deploy_principals);
