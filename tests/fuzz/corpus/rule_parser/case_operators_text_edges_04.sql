CREATE RULE exe AS SELECT eventName FROM cloudtrail WHERE requestParameters.key ILIKE '%.EXE';
