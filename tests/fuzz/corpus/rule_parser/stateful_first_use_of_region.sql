-- An account made its first change in a region
CREATE RULE first_use_of_region
WITH (severity = 'medium',
      tags = 'T1535,T1496',
      description = 'First write API call in a region of an account',
      runbook = 'WHAT: The first non-read-only API call (readOnly false, eventType AwsApiCall) recorded for
  this account (recipientAccountId) in this awsRegion since the rule started. For its first seven
  days of event time the rule only learns which regions each account works in; after that each new
  (account, region) pair alerts once. Denied calls count too: a denied attempt in a new region is
  still an attempt.
WHY: Attackers launch instances (often GPU miners) and hide infrastructure in regions nobody in the
  account watches, because dashboards, alarms and GuardDuty are set up where the account already
  works. ec2_instances_unapproved_region covers instance launches against a fixed list; this rule
  needs no list and covers every service.
HOW: 1) Look at who made the call (userIdentity.arn, sourceIPAddress) and what it was (eventSource,
  eventName): a planned expansion has a change ticket and usually comes from the IaC pipeline. 2) List
  what now exists in the region (EC2 instances, Lambda functions, IAM-less resources like key pairs and
  security groups). 3) If unplanned, stop or delete what was created, revoke the credentials used,
  and consider an SCP denying unused regions (aws:RequestedRegion).')
AS SELECT recipientAccountId,
          awsRegion,
          eventSource,
          eventName,
          userIdentity.arn,
          sourceIPAddress,
          userAgent,
          errorCode
FROM cloudtrail
WHERE readOnly = false
  AND eventType = 'AwsApiCall'
  AND first_seen(recipientAccountId, awsRegion, LEARN INTERVAL '7' DAY);
