-- A SAML or OIDC identity provider was created, changed or deleted
CREATE RULE identity_provider_changed
WITH (severity = 'high',
      tags = 'T1484.002',
      description = 'A SAML or OIDC identity provider was created, changed or deleted',
      runbook = 'WHAT: IAM federation trust changed: a SAML provider''s metadata, an OIDC provider, its thumbprints or
  client ids.
WHY: Controlling a trusted identity provider lets an attacker mint sessions for any role that trusts
  it (golden SAML); deleting one locks the responders out.
HOW: 1) Compare the provider''s metadata/URL/thumbprint with the IdP your organisation runs. 2) List
  the roles that trust the provider. 3) If unapproved, restore the provider and revoke sessions of
  roles federated since.',
      source = 'Sigma: AWS SAML Provider Deletion Activity by Ivan Saakov; Sigma: AWS Suspicious SAML Activity by Austin Songer')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters
FROM cloudtrail
WHERE eventSource = 'iam.amazonaws.com'
  AND eventName IN ('CreateSAMLProvider', 'UpdateSAMLProvider', 'DeleteSAMLProvider',
                    'CreateOpenIDConnectProvider', 'UpdateOpenIDConnectProviderThumbprint',
                    'AddClientIDToOpenIDConnectProvider', 'DeleteOpenIDConnectProvider')
  AND errorCode IS NULL;
