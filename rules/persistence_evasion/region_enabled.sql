-- An opt-in AWS region was enabled for the account
CREATE RULE region_enabled
WITH (severity = 'medium',
      tags = 'T1535',
      description = 'An opt-in AWS region was enabled for the account',
      runbook = 'WHAT: EnableRegion (account.amazonaws.com) turned on an opt-in region.
WHY: Newly enabled regions are often outside monitoring and guard rails; attackers enable them to
  run resources unseen.
HOW: 1) Confirm the business need. 2) If none, disable the region (DisableRegion) and deny it by
  SCP. 3) Check the region for resources created since.',
      source = 'Sigma: AWS EnableRegion Command Monitoring by Ivan Saakov, Sergey Zelenskiy')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters.RegionName
FROM cloudtrail
WHERE eventSource = 'account.amazonaws.com'
  AND eventName = 'EnableRegion'
  AND errorCode IS NULL;
