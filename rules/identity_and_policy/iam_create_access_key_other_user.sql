-- Access key created for another IAM user by a principal outside admin_principals
CREATE RULE iam_create_access_key_other_user
WITH (severity = 'high',
      tags = 'T1098.001',
      description = 'Access key created for another IAM user by a principal outside admin_principals',
      runbook = 'WHAT: CreateAccessKey named a user other than the caller, and the caller is not one of the identity
  administrators in rules/lists/admin_principals.txt.
WHY: Minting a key for someone else''s user is a classic backdoor (Pacu iam__backdoor_users_keys):
  the attacker keeps access even after their own credentials are revoked.
HOW: 1) Identify the new key (responseElements.accessKey.accessKeyId) and the target user. 2) Ask
  the target user whether they requested it. 3) If not, deactivate and delete the key, then search
  for its use (userIdentity.accessKeyId) and review the caller.',
      source = 'Sigma: AWS IAM Backdoor Users Keys by faloker')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters.userName AS target_user,
          responseElements.accessKey.accessKeyId
FROM non_admin_activity
WHERE eventSource = 'iam.amazonaws.com'
  AND eventName = 'CreateAccessKey'
  AND errorCode IS NULL
  AND requestParameters.userName IS NOT NULL
  AND (userIdentity.userName IS NULL OR requestParameters.userName != userIdentity.userName);
