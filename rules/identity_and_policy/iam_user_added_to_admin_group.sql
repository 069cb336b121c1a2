-- A user was added to an administrators group (admin_groups)
CREATE RULE iam_user_added_to_admin_group
WITH (severity = 'high',
      tags = 'T1098',
      description = 'A user was added to an administrators group (admin_groups)',
      runbook = 'WHAT: AddUserToGroup put a user into a group listed in rules/lists/admin_groups.txt.
WHY: Group membership is a quiet way to grant full rights: no policy changes, one call.
HOW: 1) Confirm the membership with the group''s owner. 2) If unapproved, remove the user
  (RemoveUserFromGroup) and review what the user did since.')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters.groupName,
          requestParameters.userName
FROM cloudtrail
WHERE eventSource = 'iam.amazonaws.com'
  AND eventName = 'AddUserToGroup'
  AND lower(requestParameters.groupName) IN admin_groups
  AND errorCode IS NULL;
