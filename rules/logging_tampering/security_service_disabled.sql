-- Macie, IAM Access Analyzer, Detective or Inspector disabled
CREATE RULE security_service_disabled
WITH (severity = 'high',
      tags = 'T1562.001',
      description = 'Macie, IAM Access Analyzer, Detective or Inspector disabled',
      runbook = 'WHAT: DisableMacie, DeleteAnalyzer (IAM Access Analyzer), DeleteGraph (Detective) or Disable
  (Inspector) succeeded.
WHY: Each of these watches for exposure or intrusion (sensitive data, public access, investigations,
  vulnerabilities); removing one is defence evasion.
HOW: 1) Re-enable the service. 2) Identify the caller and the reason. 3) Review what the service
  would have reported meanwhile.')
AS SELECT eventSource,
          eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn
FROM cloudtrail
WHERE errorCode IS NULL
  AND ((eventSource = 'macie2.amazonaws.com' AND eventName = 'DisableMacie')
       OR (eventSource = 'access-analyzer.amazonaws.com' AND eventName = 'DeleteAnalyzer')
       OR (eventSource = 'detective.amazonaws.com' AND eventName = 'DeleteGraph')
       OR (eventSource = 'inspector2.amazonaws.com' AND eventName = 'Disable'));
