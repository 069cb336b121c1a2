CREATE RULE r1 AS SELECT * FROM cloudtrail WHERE userAgent REGEXP '[^1]{1000}';
CREATE RULE r2 AS SELECT * FROM cloudtrail WHERE userAgent REGEXP '[^2]{1000}';
CREATE RULE r3 AS SELECT * FROM cloudtrail WHERE userAgent REGEXP '[^3]{0010}';
CREATE RULE r4 AS SELECT * FROM cloudtrail WHERE userAgent REGEXP '[^4]{1000}';
