-- ECS task definition or task override that reads the container credentials endpoint
CREATE RULE ecs_task_definition_credential_access
WITH (severity = 'medium',
      tags = 'T1525,T1552.005',
      description = 'ECS task definition or task override that reads the container credentials endpoint',
      runbook = 'WHAT: RegisterTaskDefinition or RunTask with a container command or entry point that references
  $AWS_CONTAINER_CREDENTIALS_RELATIVE_URI.
WHY: A container that fetches and ships its task role credentials is a backdoor that hands the role
  to an attacker (Pacu ecs__backdoor_task_def).
HOW: 1) Read the command; look for curl/wget to an outside host. 2) Deregister the task definition
  revision and stop its tasks. 3) Rotate by revoking the task role''s sessions.',
      source = 'Sigma: AWS ECS Task Definition That Queries The Credential Endpoint by Darin Smith')
AS SELECT eventName,
          awsRegion,
          sourceIPAddress,
          userIdentity.arn,
          requestParameters.family,
          requestParameters.taskDefinition
FROM cloudtrail
WHERE eventSource = 'ecs.amazonaws.com'
  AND eventName IN ('RegisterTaskDefinition', 'RunTask')
  AND (requestParameters.containerDefinitions[*].command[*] LIKE '%AWS_CONTAINER_CREDENTIALS_RELATIVE_URI%'
       OR requestParameters.containerDefinitions[*].entryPoint[*] LIKE '%AWS_CONTAINER_CREDENTIALS_RELATIVE_URI%'
       OR requestParameters.overrides.containerOverrides[*].command[*] LIKE '%AWS_CONTAINER_CREDENTIALS_RELATIVE_URI%');
