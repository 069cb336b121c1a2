-- Every list of the rule pack, defined once (a list name may be defined only
-- once per rule set). The files live in lists/ and say what they are for;
-- paths are relative to this file.
CREATE LIST trusted_ips FROM FILE 'lists/trusted_ips.txt';
CREATE LIST sensitive_buckets FROM FILE 'lists/sensitive_buckets.txt';
CREATE LIST sensitive_bucket_readers FROM FILE 'lists/sensitive_bucket_readers.txt';
CREATE LIST admin_principals FROM FILE 'lists/admin_principals.txt';
CREATE LIST deploy_principals FROM FILE 'lists/deploy_principals.txt';
CREATE LIST admin_groups FROM FILE 'lists/admin_groups.txt';
CREATE LIST org_accounts FROM FILE 'lists/org_accounts.txt';
CREATE LIST approved_regions FROM FILE 'lists/approved_regions.txt';
