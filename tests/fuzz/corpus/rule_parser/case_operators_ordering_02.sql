CREATE RULE long_session AS SELECT eventName FROM cloudtrail
WHERE requestParameters.durationSeconds >= 3600;
CREATE RULE short_session AS SELECT eventName FROM cloudtrail
WHERE NOT (requestParameters.durationSeconds >= 3600);
