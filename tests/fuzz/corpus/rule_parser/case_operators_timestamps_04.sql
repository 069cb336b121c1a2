CREATE RULE after AS SELECT eventName FROM cloudtrail WHERE eventTime > '2023-10-01T08:00:00Z';
CREATE RULE upto AS SELECT eventName FROM cloudtrail WHERE eventTime <= '2023-10-01T08:00:00Z';
