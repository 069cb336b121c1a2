-- Secrets Manager BatchGetSecretValue returned many secrets in one call
CREATE RULE secrets_batch_retrieval
WITH (severity = 'medium',
      tags = 'T1555.006',
      description = 'Secrets Manager BatchGetSecretValue returned many secrets in one call',
      runbook = 'WHAT: BatchGetSecretValue succeeded: the values of several secrets, often selected by a broad
  filter, were returned at once.
WHY: Applications read the one secret they need with GetSecretValue; bulk retrieval is how
  credential harvesters dump a secrets store in one request.
HOW: 1) See which secrets matched (requestParameters.filters / secretIdList). 2) Confirm the caller
  is a known sync/backup tool. 3) If not, rotate every returned secret and revoke the caller.',
      source = 'Sigma: AWS Secrets Manager Bulk Secret Retrieval Via BatchGetSecretValue by adamalizeerj')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters
FROM cloudtrail
WHERE eventSource = 'secretsmanager.amazonaws.com'
  AND eventName = 'BatchGetSecretValue'
  AND errorCode IS NULL;
