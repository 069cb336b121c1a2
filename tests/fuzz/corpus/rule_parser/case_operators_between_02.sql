CREATE RULE outside AS SELECT eventName FROM cloudtrail
WHERE additionalEventData.bytesTransferredOut NOT BETWEEN 100 AND 200;
