-- CloudTrail logging stopped or a trail deleted
CREATE RULE cloudtrail_logging_stopped
WITH (severity = 'critical',
      tags = 'T1562.008',
      description = 'CloudTrail logging stopped or a trail deleted',
      runbook = 'WHAT: StopLogging or DeleteTrail succeeded: the trail no longer records (this may be the last event
  it delivers).
WHY: Attackers switch off the audit log before acting; everything after this is invisible.
HOW: 1) Restart logging (StartLogging) or recreate the trail from IaC immediately. 2) Identify the
  caller and revoke its credentials if unexpected. 3) Use other sources (organization trail,
  CloudTrail Lake, Config, VPC flow logs) to see what happened while it was off.',
      source = 'Sigma: AWS CloudTrail Important Change by vitaliy0x1; Falco: CloudTrail Logging Disabled by The Falco Authors')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters.name AS trail
FROM cloudtrail
WHERE eventSource = 'cloudtrail.amazonaws.com'
  AND eventName IN ('StopLogging', 'DeleteTrail')
  AND errorCode IS NULL;
