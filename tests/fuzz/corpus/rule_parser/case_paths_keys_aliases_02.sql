CREATE RULE rp_id AS SELECT eventName FROM cloudtrail
WHERE requestParameters."x-amz-id-2" LIKE 'abc%';
