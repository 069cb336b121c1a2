-- An IAM group was created or deleted
CREATE RULE iam_group_created_or_deleted
WITH (severity = 'low',
      tags = 'T1098',
      description = 'An IAM group was created or deleted',
      runbook = 'WHAT: CreateGroup or DeleteGroup changed the set of IAM groups.
WHY: Groups carry permissions; a new group is a place to hide grants, a deleted one may remove a
  control (for example a deny-all quarantine group).
HOW: 1) Check the group name and the caller against planned changes. 2) For a new group, watch the
  following AttachGroupPolicy and AddUserToGroup calls.',
      source = 'Falco: Create Group, Delete Group by The Falco Authors')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters.groupName
FROM cloudtrail
WHERE eventSource = 'iam.amazonaws.com'
  AND eventName IN ('CreateGroup', 'DeleteGroup')
  AND errorCode IS NULL;
