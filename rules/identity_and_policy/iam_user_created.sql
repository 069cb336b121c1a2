-- A new IAM user was created
CREATE RULE iam_user_created
WITH (severity = 'low',
      tags = 'T1136.003',
      description = 'A new IAM user was created',
      runbook = 'WHAT: CreateUser added an IAM user.
WHY: New long-lived users are a persistence mechanism; most humans should come through IAM Identity
  Center and workloads through roles.
HOW: 1) Check who created the user and whether a ticket or IaC change exists. 2) Look for
  CreateAccessKey / CreateLoginProfile / AttachUserPolicy on the new user. 3) Delete unexplained
  users.',
      source = 'Falco: Create AWS user by The Falco Authors')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters.userName AS new_user
FROM cloudtrail
WHERE eventSource = 'iam.amazonaws.com'
  AND eventName = 'CreateUser'
  AND errorCode IS NULL;
