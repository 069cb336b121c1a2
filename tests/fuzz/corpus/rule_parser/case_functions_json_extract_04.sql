CREATE RULE num AS SELECT eventName FROM cloudtrail
WHERE json_extract_scalar(responseElements, '$.credentials.durationSeconds') = '3600';
CREATE RULE flag AS SELECT eventName FROM cloudtrail
WHERE json_extract_scalar(responseElements, '$.credentials.renewable') = 'true';
