-- AWS Config recorder stopped or deleted, or its delivery channel deleted
CREATE RULE config_recording_stopped
WITH (severity = 'high',
      tags = 'T1562.001',
      description = 'AWS Config recorder stopped or deleted, or its delivery channel deleted',
      runbook = 'WHAT: StopConfigurationRecorder, DeleteConfigurationRecorder or DeleteDeliveryChannel.
WHY: Config keeps the history of resource configurations and evaluates compliance; stopping it hides
  configuration changes.
HOW: 1) Restart the recorder (StartConfigurationRecorder) / recreate the channel from IaC. 2)
  Identify the caller. 3) Review changes made while recording was off.',
      source = 'Sigma: AWS Config Disabling Channel/Recorder by vitaliy0x1')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters
FROM cloudtrail
WHERE eventSource = 'config.amazonaws.com'
  AND eventName IN ('StopConfigurationRecorder', 'DeleteConfigurationRecorder', 'DeleteDeliveryChannel')
  AND errorCode IS NULL;
