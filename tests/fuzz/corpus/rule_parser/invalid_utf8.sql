SELECT * FROM cloudtrail WHERE eventName = 'ÿþÃ';
