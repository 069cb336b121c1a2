-- More than 20 denied API calls by one principal within a minute
CREATE RULE access_denied_burst
WITH (severity = 'medium',
      tags = 'T1580,T1526,T1087.004,T1078.004',
      description = 'More than 20 API calls by one principal denied (AccessDenied, UnauthorizedOperation) within one minute',
      runbook = 'WHAT: One principal (userIdentity.arn) had more than 20 calls denied within one minute:
  errorCode AccessDenied, any *AccessDenied* (AccessDeniedException, …) or *UnauthorizedOperation
  (Client.UnauthorizedOperation). A sliding window: one alert per burst, at the denial that took the
  count past 20; fields has the count, the services and up to ten of the actions denied.
WHY: Someone holding credentials they did not provision does not know what the credentials may do,
  so they try: enumeration tools (Pacu, ScoutSuite, enumerate-iam, cloudfox) call hundreds of
  List/Describe/Get APIs in seconds and most are denied. Working software rarely gets dozens of
  denials a minute across services.
HOW: 1) services > 1 and many distinct actions is enumeration; one action repeated is usually a
  misconfigured job (check the userAgent and whether the principal is a known workload). 2) Find where
  the credentials came from: userIdentity.accessKeyId (AKIA = long-term key, ASIA = session) and
  sourceIPAddress; compare with principal_new_source_ip. 3) If it is not the owner, deactivate the key
  or revoke the role sessions (aws:TokenIssueTime condition) and review the calls that succeeded in
  the same minutes. Anonymous denials (no userIdentity.arn) are left out.',
      allowed_lateness = '5m')
AS SELECT userIdentity.arn,
          count(*) AS denied,
          count(DISTINCT eventSource) AS services,
          count(DISTINCT eventName) AS actions,
          min(eventTime) AS first_denied,
          max(eventTime) AS last_denied,
          array_agg(DISTINCT eventName) LIMIT 10 AS sample_actions,
          array_agg(DISTINCT errorCode) LIMIT 5 AS error_codes
FROM cloudtrail
WHERE (errorCode LIKE '%AccessDenied%' OR errorCode LIKE '%UnauthorizedOperation')
  AND userIdentity.arn IS NOT NULL
GROUP BY userIdentity.arn
WINDOW SLIDING (1 MINUTE)
HAVING count(*) > 20;
