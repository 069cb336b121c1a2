CREATE RULE admin_role AS SELECT eventName FROM cloudtrail
WHERE json_extract_scalar(requestParameters, '$.roleName') = 'OrganizationAccountAccessRole';
