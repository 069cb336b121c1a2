-- Lightsail instance created or started
CREATE RULE lightsail_instance_launched
WITH (severity = 'medium',
      tags = 'T1578.002,T1496',
      description = 'Lightsail instance created or started',
      runbook = 'WHAT: CreateInstances, CreateInstancesFromSnapshot or StartInstances in Amazon Lightsail.
WHY: Lightsail has its own API surface that EC2-focused controls miss; it is used for mining, C2 and
  pivots.
HOW: 1) Check who launched what (bundle, region). 2) Confirm the business need (Lightsail is not
  used here). 3) Delete unapproved instances and review the caller.',
      source = 'Sigma: AWS Lightsail Instance Created or Started by Ivan Saakov')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters
FROM cloudtrail
WHERE eventSource = 'lightsail.amazonaws.com'
  AND eventName IN ('CreateInstances', 'CreateInstancesFromSnapshot', 'StartInstances')
  AND errorCode IS NULL;
