-- EC2 instance export task created
CREATE RULE ec2_instance_export
WITH (severity = 'medium',
      tags = 'T1537',
      description = 'EC2 instance export task created',
      runbook = 'WHAT: CreateInstanceExportTask started exporting an instance as a VM image to S3.
WHY: An exported VM image is a full copy of the instance''s disks that leaves EC2; it is rarely
  needed outside migrations.
HOW: 1) Check the target bucket (exportToS3.s3Bucket) and its owner. 2) Cancel the task
  (CancelExportTask) if unapproved. 3) Treat the instance''s data as exposed.',
      source = 'Sigma: AWS EC2 VM Export Failure by Diogo Braz')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters.instanceId,
          requestParameters.exportToS3
FROM cloudtrail
WHERE eventSource = 'ec2.amazonaws.com'
  AND eventName = 'CreateInstanceExportTask'
  AND errorCode IS NULL;
