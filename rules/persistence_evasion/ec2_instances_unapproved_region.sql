-- Instances launched in a region outside approved_regions
CREATE RULE ec2_instances_unapproved_region
WITH (severity = 'medium',
      tags = 'T1535',
      description = 'Instances launched in a region outside approved_regions',
      runbook = 'WHAT: RunInstances succeeded in a region not listed in rules/lists/approved_regions.txt.
WHY: Attackers launch (mining) capacity in regions nobody looks at; workloads here run only in the
  approved regions.
HOW: 1) Check the instances and who launched them. 2) Terminate unapproved instances. 3) Consider an
  SCP that denies the unused regions.',
      source = 'Falco: Run Instances in Non-approved Region by The Falco Authors')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters.instanceType
FROM cloudtrail
WHERE eventSource = 'ec2.amazonaws.com'
  AND eventName = 'RunInstances'
  AND errorCode IS NULL
  AND awsRegion NOT IN approved_regions;
