-- Amazon SES sending identity deleted
CREATE RULE ses_identity_deleted
WITH (severity = 'medium',
      tags = 'T1070',
      description = 'Amazon SES sending identity deleted',
      runbook = 'WHAT: DeleteIdentity (or DeleteEmailIdentity) removed a verified SES domain or address.
WHY: After abusing SES to send phishing or spam, intruders delete the identity they verified to
  remove traces.
HOW: 1) Find when the identity was created (VerifyDomainIdentity / CreateEmailIdentity) and by whom.
  2) Review SES sending statistics for the period. 3) Review the caller.',
      source = 'Sigma: SES Identity Has Been Deleted by Janantha Marasinghe')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters
FROM cloudtrail
WHERE eventSource = 'ses.amazonaws.com'
  AND eventName IN ('DeleteIdentity', 'DeleteEmailIdentity')
  AND errorCode IS NULL;
