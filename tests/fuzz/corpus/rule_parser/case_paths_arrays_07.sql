CREATE RULE both_types AS SELECT eventName FROM cloudtrail
WHERE resources[*].type = 'AWS::S3::Object' AND resources[*].type = 'AWS::S3::Bucket';
