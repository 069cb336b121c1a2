SELECT * FROM cloudtrail WHERE userAgent REGEXP '\pL{20}';
