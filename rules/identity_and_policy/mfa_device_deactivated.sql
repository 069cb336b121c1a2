-- An MFA device was deactivated or deleted
CREATE RULE mfa_device_deactivated
WITH (severity = 'high',
      tags = 'T1556.006',
      description = 'An MFA device was deactivated or deleted',
      runbook = 'WHAT: DeactivateMFADevice or DeleteVirtualMFADevice removed multi-factor authentication from a user
  (for the root user, requestParameters.userName is AWS ROOT USER).
WHY: Removing MFA is the step before using a stolen password; on root it is critical.
HOW: 1) Ask the user whether they replaced their device. 2) If not: re-enroll MFA, reset the
  password, revoke sessions, review the caller. 3) For root, follow the root-compromise playbook.',
      source = 'Falco: Deactivate MFA for Root User by The Falco Authors')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters.userName,
          requestParameters.serialNumber,
          userIdentity.type
FROM cloudtrail
WHERE eventSource = 'iam.amazonaws.com'
  AND eventName IN ('DeactivateMFADevice', 'DeleteVirtualMFADevice')
  AND errorCode IS NULL;
