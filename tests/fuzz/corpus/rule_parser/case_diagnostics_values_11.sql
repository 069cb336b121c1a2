CREATE RULE r AS SELECT eventName FROM cloudtrail
WHERE json_extract_scalar(requestParameters, '$.a[') = 'x';
