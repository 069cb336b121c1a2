-- A new CloudTrail trail was created
CREATE RULE cloudtrail_trail_created
WITH (severity = 'low',
      tags = 'T1537',
      description = 'A new CloudTrail trail was created',
      runbook = 'WHAT: CreateTrail added a trail.
WHY: A trail delivering to a bucket outside your control copies your audit log to someone else; a
  new trail also changes costs and coverage.
HOW: 1) Check s3BucketName (and its account) and who created the trail. 2) Delete trails that
  deliver outside your organisation.',
      source = 'Falco: CloudTrail Trail Created by The Falco Authors')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters.name AS trail,
          requestParameters.s3BucketName
FROM cloudtrail
WHERE eventSource = 'cloudtrail.amazonaws.com'
  AND eventName = 'CreateTrail'
  AND errorCode IS NULL;
