CREATE RULE m WITH (severity = 'bogus', tags = 5, description = 'd', owner = 'sec', severity = 'low') AS SELECT * FROM t WHERE TRUE;
CREATE RULE m2 WITH () AS SELECT * FROM t;