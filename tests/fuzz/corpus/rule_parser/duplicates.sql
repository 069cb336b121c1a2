CREATE LIST l ('a', 'a', 1, 1.0, '10.0.0.0/8', '10.0.0.0/8');
CREATE LIST l ('b');
CREATE RULE r AS SELECT * FROM t WHERE eventName IN l;
CREATE RULE r AS SELECT * FROM t WHERE eventName IN ('x', 'x');