CREATE RULE r AS SELECT eventName FROM cloudtrail
WHERE eventName = 'GetObject' AND additionalEventData.bytesTransferredOut BETWEEN 500 AND 100;
