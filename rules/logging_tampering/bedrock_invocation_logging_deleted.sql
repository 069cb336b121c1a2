-- Amazon Bedrock model invocation logging configuration deleted
CREATE RULE bedrock_invocation_logging_deleted
WITH (severity = 'medium',
      tags = 'T1562.008',
      description = 'Amazon Bedrock model invocation logging configuration deleted',
      runbook = 'WHAT: DeleteModelInvocationLoggingConfiguration removed the logging of prompts and responses of
  Bedrock model invocations.
WHY: Without invocation logs, abuse of the account''s model access (LLMjacking, data exfiltration
  through prompts) leaves no record of what was asked and answered.
HOW: 1) Restore the logging configuration from IaC. 2) Look for InvokeModel / Converse calls after
  the change and who made them. 3) Review the caller.',
      source = 'Sigma: AWS Bedrock Model Invocation Logging Configuration Deleted by Ahmed Raza Niyaz Shaikh; Sigma: AWS Bedrock Model Invocation Logging Disabled or Modified by Ivan Saakov')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn
FROM cloudtrail
WHERE eventSource = 'bedrock.amazonaws.com'
  AND eventName = 'DeleteModelInvocationLoggingConfiguration'
  AND errorCode IS NULL;
