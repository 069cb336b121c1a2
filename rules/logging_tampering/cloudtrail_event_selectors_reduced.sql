-- CloudTrail event selectors narrowed: management events off, write-only, or sources excluded
CREATE RULE cloudtrail_event_selectors_reduced
WITH (severity = 'high',
      tags = 'T1562.008',
      description = 'CloudTrail event selectors narrowed: management events off, write-only, or sources excluded',
      runbook = 'WHAT: PutEventSelectors set includeManagementEvents to false, readWriteType to WriteOnly, or
  excluded management event sources.
WHY: Narrowing selectors keeps the trail on while dropping the events an attacker does not want seen
  (reads, KMS or RDS Data API activity).
HOW: 1) Compare requestParameters.eventSelectors with the trail''s standard. 2) If unapproved, put
  the standard selectors back. 3) Review the caller; the gap is now in your logs.')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters.trailName,
          requestParameters.eventSelectors
FROM cloudtrail
WHERE eventSource = 'cloudtrail.amazonaws.com'
  AND eventName = 'PutEventSelectors'
  AND errorCode IS NULL
  AND (requestParameters.eventSelectors[*].includeManagementEvents = FALSE
       OR requestParameters.eventSelectors[*].readWriteType = 'WriteOnly'
       OR requestParameters.eventSelectors[*].excludeManagementEventSources[*] IS NOT NULL);
