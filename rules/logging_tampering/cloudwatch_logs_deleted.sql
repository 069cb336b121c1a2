-- CloudWatch log group deleted, subscription filter removed or retention cut to one day
CREATE RULE cloudwatch_logs_deleted
WITH (severity = 'medium',
      tags = 'T1070,T1562.008',
      description = 'CloudWatch log group deleted, subscription filter removed or retention cut to one day',
      runbook = 'WHAT: DeleteLogGroup, DeleteSubscriptionFilter, or PutRetentionPolicy with retentionInDays = 1.
WHY: Log groups hold application, VPC and sometimes CloudTrail logs; deleting them or the
  subscription that ships them to the SIEM removes evidence.
HOW: 1) Identify the log group and what wrote to it. 2) Recreate the subscription/retention from
  IaC. 3) Review the caller''s activity around the deletion.')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters.logGroupName,
          requestParameters
FROM cloudtrail
WHERE eventSource = 'logs.amazonaws.com'
  AND errorCode IS NULL
  AND (eventName IN ('DeleteLogGroup', 'DeleteSubscriptionFilter')
       OR (eventName = 'PutRetentionPolicy' AND requestParameters.retentionInDays <= 1));
