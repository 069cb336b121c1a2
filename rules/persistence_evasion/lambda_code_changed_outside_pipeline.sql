-- Lambda function created or its code updated by a principal outside deploy_principals
CREATE RULE lambda_code_changed_outside_pipeline
WITH (severity = 'medium',
      tags = 'T1648,T1525',
      description = 'Lambda function created or its code updated by a principal outside deploy_principals',
      runbook = 'WHAT: CreateFunction or UpdateFunctionCode by someone other than the CI/CD identities listed in
  rules/lists/deploy_principals.txt.
WHY: Functions run with their own IAM role; replacing the code is a quiet backdoor and privilege
  escalation (the code acts as the role). Code should only ship from pipelines.
HOW: 1) Download the deployed code (GetFunction) and diff it with the repository. 2) Check the
  function''s role (requestParameters.role for new functions). 3) Roll back to the pipeline''s version
  and review the caller.',
      source = 'Falco: Create Lambda Function, Update Lambda Function Code by The Falco Authors')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters.functionName,
          requestParameters.role
FROM non_deploy_activity
WHERE eventSource = 'lambda.amazonaws.com'
  AND (eventName LIKE 'CreateFunction20%' OR eventName LIKE 'UpdateFunctionCode20%')
  AND errorCode IS NULL;
