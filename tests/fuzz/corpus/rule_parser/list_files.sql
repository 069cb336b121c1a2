CREATE LIST a FROM FILE 'lists/admins.txt';
CREATE LIST i FROM FILE 'lists/ips.txt';
CREATE LIST b FROM FILE 'lists/bad.txt';
CREATE LIST e FROM FILE 'empty.txt';
CREATE LIST m FROM FILE 'missing.txt';
SELECT * FROM t WHERE principalId IN a AND sourceIPAddress NOT IN i AND cidr_match(sourceIPAddress, i) AND eventName IN e;