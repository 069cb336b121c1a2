CREATE RULE amz_id AS SELECT eventName FROM cloudtrail
WHERE "x-amz-id-2" = 'Zm9vYmFy';
