-- SES sending quota or account checked with a long-term access key
CREATE RULE ses_discovery_long_term_key
WITH (severity = 'medium',
      tags = 'T1526',
      description = 'SES sending quota or account checked with a long-term access key',
      runbook = 'WHAT: GetSendQuota, GetAccount or ListIdentities (SES) called with an IAM user''s long-term key
  (AKIA...).
WHY: Attackers test stolen keys for SES access to send phishing and spam from a trusted account;
  applications send, they rarely ask for their quota with a user key.
HOW: 1) Identify the key owner. 2) Look for SendEmail / CreateEmailIdentity /
  UpdateAccountSendingEnabled afterwards. 3) Deactivate the key if unexpected.',
      source = 'Sigma: AWS SES Account Availability Discovery Via Long-Lived Access Key by Marco Pedrinazzi (@pedrinazziM)')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          userIdentity.accessKeyId
FROM cloudtrail
WHERE eventSource = 'ses.amazonaws.com'
  AND eventName IN ('GetSendQuota', 'GetAccount', 'ListIdentities')
  AND userIdentity.accessKeyId LIKE 'AKIA%';
