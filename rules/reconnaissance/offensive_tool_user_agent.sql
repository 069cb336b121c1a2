-- API call from an offensive security tool or a penetration-testing distribution
CREATE RULE offensive_tool_user_agent
WITH (severity = 'high',
      tags = 'T1526,T1552',
      description = 'API call from an offensive security tool or a penetration-testing distribution',
      runbook = 'WHAT: The user agent names TruffleHog, Pacu or CloudFox, or a Kali, Parrot or Pentoo Linux host.
WHY: These tools and distributions are used to harvest and abuse credentials; legitimate automation
  does not run from them (GuardDuty''s PenTest findings use the same signal).
HOW: 1) Check whether an authorised test is running (ask the security team). 2) If not, deactivate
  the key / revoke the session and review everything it did.',
      source = 'Sigma: PUA - AWS TruffleHog Execution by Swachchhanda Shrawan Poudel (Nextron Systems)')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          userAgent,
          eventSource
FROM cloudtrail
WHERE (userAgent ILIKE '%trufflehog%'
       OR userAgent ILIKE '%pacu%'
       OR userAgent ILIKE '%cloudfox%'
       OR userAgent ILIKE '%kali%'
       OR userAgent ILIKE '%parrot%'
       OR userAgent ILIKE '%pentoo%');
