-- Security Hub findings suppressed or insights changed
CREATE RULE securityhub_findings_suppressed
WITH (severity = 'medium',
      tags = 'T1562',
      description = 'Security Hub findings suppressed or insights changed',
      runbook = 'WHAT: BatchUpdateFindings set a finding''s workflow status to SUPPRESSED, or UpdateFindings,
  UpdateInsight or DeleteInsight was called.
WHY: Suppressing findings hides them from the team''s queue; an intruder can quiet the alerts about
  their own activity.
HOW: 1) List the finding ids (requestParameters.FindingIdentifiers) and check what they were about.
  2) Confirm the suppression with the analyst who made it. 3) Set unexplained findings back to NEW.',
      source = 'Sigma: AWS SecurityHub Findings Evasion by Sittikorn S')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters
FROM cloudtrail
WHERE eventSource = 'securityhub.amazonaws.com'
  AND errorCode IS NULL
  AND (eventName IN ('UpdateFindings', 'UpdateInsight', 'DeleteInsight')
       OR (eventName = 'BatchUpdateFindings' AND requestParameters.Workflow.Status = 'SUPPRESSED'));
