-- CloudWatch alarms deleted or their actions disabled
CREATE RULE cloudwatch_alarm_disabled
WITH (severity = 'medium',
      tags = 'T1562.001',
      description = 'CloudWatch alarms deleted or their actions disabled',
      runbook = 'WHAT: DeleteAlarms or DisableAlarmActions on CloudWatch alarms.
WHY: Alarms page the on-call (including CIS metric-filter alarms for root use or trail changes);
  disabling them silences the alerting path.
HOW: 1) List the alarms (requestParameters.alarmNames). 2) Re-enable actions or recreate the alarms
  from IaC. 3) Identify the caller.')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters.alarmNames
FROM cloudtrail
WHERE eventSource = 'monitoring.amazonaws.com'
  AND eventName IN ('DeleteAlarms', 'DisableAlarmActions')
  AND errorCode IS NULL;
