-- IAM instance profile associated with or replaced on an EC2 instance
CREATE RULE ec2_instance_profile_changed
WITH (severity = 'medium',
      tags = 'T1098',
      description = 'IAM instance profile associated with or replaced on an EC2 instance',
      runbook = 'WHAT: AssociateIamInstanceProfile or ReplaceIamInstanceProfileAssociation gave an instance a
  (different) role.
WHY: With iam:PassRole, attaching a privileged role to an instance one controls is a privilege
  escalation: the instance''s credentials become that role.
HOW: 1) Identify the profile/role and the instance. 2) Confirm with the owner. 3) Revert and check
  what the instance did with the role.')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters
FROM cloudtrail
WHERE eventSource = 'ec2.amazonaws.com'
  AND eventName IN ('AssociateIamInstanceProfile', 'ReplaceIamInstanceProfileAssociation')
  AND errorCode IS NULL;
