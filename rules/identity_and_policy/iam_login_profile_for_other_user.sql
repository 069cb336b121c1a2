-- Console password created or reset for another IAM user by a principal outside admin_principals
CREATE RULE iam_login_profile_for_other_user
WITH (severity = 'high',
      tags = 'T1098',
      description = 'Console password created or reset for another IAM user by a principal outside admin_principals',
      runbook = 'WHAT: CreateLoginProfile or UpdateLoginProfile set the console password of a user other than the
  caller, and the caller is not an identity administrator.
WHY: With iam:UpdateLoginProfile an attacker takes over any user that has console access, or gives
  console access to a service user that never had it.
HOW: 1) Ask the target user whether they expected a new password. 2) If not, delete or reset the
  login profile, revoke its sessions and review the caller''s credentials.',
      source = 'Sigma: AWS User Login Profile Was Modified by toffeebr33k')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters.userName AS target_user
FROM non_admin_activity
WHERE eventSource = 'iam.amazonaws.com'
  AND eventName IN ('CreateLoginProfile', 'UpdateLoginProfile')
  AND errorCode IS NULL
  AND requestParameters.userName IS NOT NULL
  AND (userIdentity.userName IS NULL OR requestParameters.userName != userIdentity.userName);
