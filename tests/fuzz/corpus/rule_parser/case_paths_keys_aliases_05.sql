CREATE RULE root_arn AS SELECT eventName FROM cloudtrail
WHERE arn = 'arn:aws:iam::111122223333:root';
CREATE RULE pid AS SELECT eventName FROM cloudtrail
WHERE principalId = 'AIDAEXAMPLE';
