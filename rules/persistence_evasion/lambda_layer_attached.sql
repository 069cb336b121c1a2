-- Lambda layers attached to an existing function
CREATE RULE lambda_layer_attached
WITH (severity = 'medium',
      tags = 'T1648,T1525',
      description = 'Lambda layers attached to an existing function',
      runbook = 'WHAT: UpdateFunctionConfiguration set a non-empty list of layers on a function.
WHY: A layer can override libraries the function imports, so malicious code runs with the function''s
  role without the function code changing (lambda-spy).
HOW: 1) Check each layer ARN: its account (another account is a red flag) and its content
  (GetLayerVersion). 2) Confirm with the function owner. 3) Remove unapproved layers.',
      source = 'Sigma: AWS New Lambda Layer Attached by Austin Songer; Falco: Update Lambda Function Configuration by The Falco Authors')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters.functionName,
          requestParameters.layers
FROM cloudtrail
WHERE eventSource = 'lambda.amazonaws.com'
  AND eventName LIKE 'UpdateFunctionConfiguration%'
  AND requestParameters.layers[*] IS NOT NULL
  AND errorCode IS NULL;
