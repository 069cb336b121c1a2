-- GPU / accelerated instances or ten or more instances launched in one call
CREATE RULE ec2_gpu_or_bulk_instances_launched
WITH (severity = 'high',
      tags = 'T1496',
      description = 'GPU / accelerated instances or ten or more instances launched in one call',
      runbook = 'WHAT: RunInstances of a GPU, accelerator or very large instance family (p, g, inf, trn, dl, x2, u-)
  or with maxCount >= 10.
WHY: Crypto-mining with stolen credentials launches many or expensive instances; the bill is the
  damage.
HOW: 1) Check who launched, where (awsRegion) and how many. 2) Confirm with the owning team (ML
  training?). 3) Terminate unapproved instances and revoke the credentials.')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters.instanceType,
          requestParameters.instancesSet
FROM cloudtrail
WHERE eventSource = 'ec2.amazonaws.com'
  AND eventName = 'RunInstances'
  AND errorCode IS NULL
  AND (requestParameters.instanceType REGEXP '^(p[2-5]|g[3-6]|inf[12]|trn[12]|dl[12]|x2|u-)'
       OR requestParameters.instancesSet.items[*].maxCount >= 10);
