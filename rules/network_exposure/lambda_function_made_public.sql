-- Lambda function exposed: function URL without auth, or invoke permission for everyone
CREATE RULE lambda_function_made_public
WITH (severity = 'high',
      tags = 'T1190',
      description = 'Lambda function exposed: function URL without auth, or invoke permission for everyone',
      runbook = 'WHAT: A function URL config created/updated with authType NONE, or AddPermission granting principal
  * the right to invoke.
WHY: An unauthenticated function URL or a public resource policy lets anyone on the internet run the
  function with its IAM role''s permissions.
HOW: 1) Check the function''s role and what it can do. 2) Switch the URL to AWS_IAM or remove the
  permission statement. 3) Review the function''s invocations since.',
      source = 'Sigma: AWS Created Malicious Lambda Function URL Configuration by Ivan Saakov')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters.functionName,
          requestParameters.authType,
          requestParameters.principal
FROM cloudtrail
WHERE eventSource = 'lambda.amazonaws.com'
  AND errorCode IS NULL
  AND (((eventName LIKE 'CreateFunctionUrlConfig%' OR eventName LIKE 'UpdateFunctionUrlConfig%')
        AND requestParameters.authType = 'NONE')
       OR (eventName LIKE 'AddPermission%' AND requestParameters.principal = '*'));
