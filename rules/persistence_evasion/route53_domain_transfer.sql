-- Route 53 domain transfer lock disabled or domain transferred to another account
CREATE RULE route53_domain_transfer
WITH (severity = 'high',
      tags = 'T1098',
      description = 'Route 53 domain transfer lock disabled or domain transferred to another account',
      runbook = 'WHAT: DisableDomainTransferLock or TransferDomainToAnotherAwsAccount on a registered domain.
WHY: Losing a domain lets an attacker take over email, certificates and every service behind it;
  unlocking is the first step of a hijack.
HOW: 1) Re-enable the lock (EnableDomainTransferLock). 2) Cancel a pending transfer
  (CancelDomainTransferToAnotherAwsAccount). 3) Review the caller.',
      source = 'Sigma: AWS Route 53 Domain Transfer Lock Disabled, AWS Route 53 Domain Transferred to Another Account by Elastic, Austin Songer @austinsonger')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters.domainName,
          requestParameters.accountId
FROM cloudtrail
WHERE eventSource IN ('route53domains.amazonaws.com', 'route53.amazonaws.com')
  AND eventName IN ('DisableDomainTransferLock', 'TransferDomainToAnotherAwsAccount')
  AND errorCode IS NULL;
