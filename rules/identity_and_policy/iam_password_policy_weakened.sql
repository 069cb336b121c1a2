-- The account password policy was deleted or set below 14 characters / complexity
CREATE RULE iam_password_policy_weakened
WITH (severity = 'medium',
      tags = 'T1556',
      description = 'The account password policy was deleted or set below 14 characters / complexity',
      runbook = 'WHAT: DeleteAccountPasswordPolicy, or UpdateAccountPasswordPolicy with a minimum length under 14 or
  a character class requirement switched off.
WHY: A weaker password policy makes guessing and stuffing IAM user passwords easier; CIS asks for
  14+ characters.
HOW: 1) Compare with the previous policy (aws iam get-account-password-policy history in Config). 2)
  Restore the standard policy. 3) Check whether passwords were changed while it was weak.')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters
FROM cloudtrail
WHERE eventSource = 'iam.amazonaws.com'
  AND errorCode IS NULL
  AND (eventName = 'DeleteAccountPasswordPolicy'
       OR (eventName = 'UpdateAccountPasswordPolicy'
           AND (requestParameters.minimumPasswordLength < 14
                OR requestParameters.requireSymbols = FALSE
                OR requestParameters.requireNumbers = FALSE
                OR requestParameters.requireUppercaseCharacters = FALSE
                OR requestParameters.requireLowercaseCharacters = FALSE)));
