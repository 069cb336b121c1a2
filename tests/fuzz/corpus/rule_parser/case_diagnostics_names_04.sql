CREATE VIEW a_view AS SELECT * FROM b_view WHERE eventSource = 'iam.amazonaws.com';
CREATE VIEW b_view AS SELECT * FROM a_view WHERE readOnly = false;
CREATE RULE r AS SELECT eventName FROM cloudtrail WHERE eventName = 'A';
