CREATE RULE dashes AS SELECT eventName FROM cloudtrail WHERE requestParameters.name = 'a--b';
CREATE RULE slash_star AS SELECT eventName FROM cloudtrail WHERE requestParameters.name = '/* not a comment */';
CREATE RULE semi AS SELECT eventName FROM cloudtrail WHERE requestParameters.name = 'x;y';
