CREATE RULE percent_key AS SELECT eventName FROM cloudtrail
WHERE requestParameters.key LIKE '100!%!_%' ESCAPE '!';
