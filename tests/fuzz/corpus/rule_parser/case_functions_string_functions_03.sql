CREATE RULE sw AS SELECT eventName FROM cloudtrail WHERE starts_with(eventName, 'Delete');
CREATE RULE sw_lower AS SELECT eventName FROM cloudtrail WHERE starts_with(eventName, 'delete');
CREATE RULE root_arn AS SELECT eventName FROM cloudtrail WHERE ends_with(userIdentity.arn, ':root');
