CREATE RULE null_result AS SELECT eventName FROM cloudtrail
WHERE json_extract_scalar(requestParameters.policyDocument, '$.Statement') IS NULL;
