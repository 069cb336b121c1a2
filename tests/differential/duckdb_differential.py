#!/usr/bin/env python3
"""Differential test: trailhound's streaming rules against DuckDB as the oracle.

Generates synthetic CloudTrail with `trailhound gen`, appends the hand-written
edge records (edge_records.ndjson), runs every rule through `trailhound run`
and the matching hand-written query through DuckDB (which reads the same
records with an explicit schema), and compares, per rule, the set of matching
eventIDs.

The two sides of each pair are written independently, each in its own
dialect: trailhound's (field paths, aliases, `REGEXP`, `hour()`,
`day_of_week()`, `json_extract_scalar()`) and DuckDB's (`->>`, struct fields,
`regexp_matches`, `isodow`, `json_extract_string`, `TRY_CAST`). The README's
"The rule language" section is the specification both must meet.

Exit status: 0 when every pair agrees, every pair matched something and some
pair left records unmatched (so the test cannot pass vacuously); 1 otherwise.

Usage:
  duckdb_differential.py --trailhound build/cli/trailhound --workdir /tmp/diff
  duckdb_differential.py --duckdb-only --records sample.ndjson   # oracle side only
"""

import argparse
import collections
import json
import pathlib
import subprocess
import sys
import time

try:
    import duckdb
except ImportError:  # pragma: no cover - depends on the machine
    sys.stderr.write("duckdb_differential: the Python package 'duckdb' is missing "
                     "(scripts/install-deps.sh installs it)\n")
    sys.exit(1)

HERE = pathlib.Path(__file__).resolve().parent
SEED_QUERIES = HERE / "seed_queries.sql"
EDGE_RECORDS = HERE / "edge_records.ndjson"

GEN_COUNT = 20000
GEN_SEED = 7

# The DuckDB schema. Explicit, so that DuckDB does not guess types from a
# sample: eventTime is a TIMESTAMP (naive, UTC: CloudTrail writes ...Z),
# readOnly a BOOLEAN (the JSON strings "true"/"false" cast to it), the
# free-form objects stay JSON. Keys not listed here are ignored.
SCHEMA = {
    "eventVersion": "VARCHAR",
    "userIdentity": (
        "STRUCT(type VARCHAR, principalId VARCHAR, arn VARCHAR, accountId VARCHAR,"
        " accessKeyId VARCHAR, userName VARCHAR, invokedBy VARCHAR,"
        " identityProvider VARCHAR,"
        " sessionContext STRUCT("
        "   sessionIssuer STRUCT(type VARCHAR, principalId VARCHAR, arn VARCHAR,"
        "                        accountId VARCHAR, userName VARCHAR),"
        "   webIdFederationData JSON,"
        "   attributes STRUCT(creationDate VARCHAR, mfaAuthenticated VARCHAR)))"
    ),
    "eventTime": "TIMESTAMP",
    "eventSource": "VARCHAR",
    "eventName": "VARCHAR",
    "awsRegion": "VARCHAR",
    "sourceIPAddress": "VARCHAR",
    "userAgent": "VARCHAR",
    "errorCode": "VARCHAR",
    "errorMessage": "VARCHAR",
    "requestParameters": "JSON",
    "responseElements": "JSON",
    "additionalEventData": "JSON",
    "requestID": "VARCHAR",
    "eventID": "VARCHAR",
    "readOnly": "BOOLEAN",
    "resources": "STRUCT(accountId VARCHAR, type VARCHAR, ARN VARCHAR)[]",
    "eventType": "VARCHAR",
    "managementEvent": "BOOLEAN",
    "recipientAccountId": "VARCHAR",
    "sharedEventID": "VARCHAR",
    "eventCategory": "VARCHAR",
    "tlsDetails": "STRUCT(tlsVersion VARCHAR, cipherSuite VARCHAR, clientProvidedHostHeader VARCHAR)",
    "sessionCredentialFromConsole": "VARCHAR",
}


class Case:
    """One pair: a trailhound rule and the DuckDB query meant to select the same records."""

    def __init__(self, name, trailhound, duck, may_be_empty=False, plain=False):
        self.name = name
        self.trailhound = trailhound.strip()
        self.duck = duck.strip()
        self.may_be_empty = may_be_empty  # the pair may (must) match nothing
        self.plain = plain  # a plain SELECT named by a `-- name:` comment


# Definitions at the top of the generated cases.sql, used by some cases. The
# list holds plain addresses only: CIDR items (an extension over SQL) would
# have no DuckDB counterpart.
PRELUDE = """
CREATE VIEW iam_writes AS
  SELECT * FROM cloudtrail WHERE eventSource = 'iam.amazonaws.com' AND readOnly = false;
CREATE LIST office_ips ('203.0.113.10', '203.0.113.11', '198.51.100.7');
"""


# ---------------------------------------------------------------------------
# The seed runbook's three queries. The trailhound side is the text of
# seed_queries.sql, verbatim, except that the first query's placeholder
# 'YYYY-MM-DD' becomes '2023-10-01' on BOTH sides of pair seed_1: DuckDB
# cannot cast 'YYYY-MM-DD' to a TIMESTAMP (it raises a conversion error), and
# trailhound, per the README, compares a non-date literal as text (warning
# TH2002), which no real eventTime satisfies, so the pair would be empty.
# The untouched file is run as well (rules seed_verbatim_1..3); its first rule
# must match nothing, which DuckDB expresses as the same text comparison.
SEED_PLACEHOLDER = "'YYYY-MM-DD'"
SEED_DATE = "'2023-10-01'"

SEED_DUCK = {
    1: """
SELECT eventID FROM cloudtrail_logs_table
WHERE eventTime >= '2023-10-01'
 AND eventName = 'ConsoleLogin'
 AND sourceIPAddress NOT IN ('trusted-ip1', 'trusted-ip2')""",
    2: """
SELECT eventID FROM cloudtrail_logs_table
WHERE eventSource = 'iam.amazonaws.com'
 AND eventName IN ('PutRolePolicy', 'AttachGroupPolicy')""",
    3: """
SELECT eventID FROM cloudtrail_logs_table
WHERE eventSource = 's3.amazonaws.com'
 AND eventName = 'GetObject'
 AND eventTime BETWEEN '2023-10-01' AND '2023-10-02'""",
}

# seed_verbatim_1 in DuckDB: eventTime's text compared with 'YYYY-MM-DD'.
SEED_VERBATIM_1_DUCK = """
SELECT eventID FROM cloudtrail_logs_table
WHERE strftime(eventTime, '%Y-%m-%dT%H:%M:%SZ') >= 'YYYY-MM-DD'
 AND eventName = 'ConsoleLogin'
 AND sourceIPAddress NOT IN ('trusted-ip1', 'trusted-ip2')"""

# ---------------------------------------------------------------------------
# Hand-written pairs. The trailhound side becomes
#   CREATE RULE <name> AS <trailhound>;
# the DuckDB side must return the eventIDs of the matching records.
CASES = [
    # = and != (<> in DuckDB); a missing awsRegion is NULL on both sides.
    Case("c01_eq_ne",
         """SELECT eventName, awsRegion FROM cloudtrail
            WHERE eventSource = 's3.amazonaws.com' AND awsRegion != 'us-east-1'
              AND eventName = 'PutObject'""",
         """SELECT eventID FROM cloudtrail
            WHERE eventSource = 's3.amazonaws.com' AND awsRegion <> 'us-east-1'
              AND eventName = 'PutObject'"""),
    # IN; case-sensitive, so STOPLOGGING / stoplogging (edge) stay out.
    Case("c02_in",
         """SELECT eventName FROM cloudtrail
            WHERE eventName IN ('StopLogging', 'DeleteTrail', 'UpdateTrail',
                                'PutEventSelectors', 'DeleteDetector')""",
         """SELECT eventID FROM cloudtrail
            WHERE eventName IN ('StopLogging', 'DeleteTrail', 'UpdateTrail',
                                'PutEventSelectors', 'DeleteDetector')"""),
    # NOT IN on a field that is missing / JSON null is NULL: no alert.
    Case("c03_not_in_missing_field",
         """SELECT eventName, sourceIPAddress FROM cloudtrail
            WHERE eventName = 'ConsoleLogin'
              AND sourceIPAddress NOT IN ('203.0.113.10', '203.0.113.11', '198.51.100.7',
                                          '2001:db8:10:4::21')""",
         """SELECT eventID FROM cloudtrail
            WHERE eventName = 'ConsoleLogin'
              AND sourceIPAddress NOT IN ('203.0.113.10', '203.0.113.11', '198.51.100.7',
                                          '2001:db8:10:4::21')"""),
    # The README's fix: IS NULL OR NOT IN catches absence as well.
    Case("c04_is_null_or_not_in",
         """SELECT eventName FROM cloudtrail
            WHERE eventName = 'ConsoleLogin'
              AND (sourceIPAddress IS NULL
                   OR sourceIPAddress NOT IN ('203.0.113.10', '203.0.113.11', '198.51.100.7'))""",
         """SELECT eventID FROM cloudtrail
            WHERE eventName = 'ConsoleLogin'
              AND (sourceIPAddress IS NULL
                   OR sourceIPAddress NOT IN ('203.0.113.10', '203.0.113.11', '198.51.100.7'))"""),
    # NOT IN over a mostly-absent field: fires only where errorCode exists
    # (including the empty string of an edge record).
    Case("c05_not_in_sparse_field",
         """SELECT eventName, errorCode FROM cloudtrail
            WHERE errorCode NOT IN ('AccessDenied', 'NoSuchKey')""",
         """SELECT eventID FROM cloudtrail
            WHERE errorCode NOT IN ('AccessDenied', 'NoSuchKey')"""),
    Case("c06_like_prefix",
         """SELECT eventName, userAgent FROM cloudtrail
            WHERE userAgent LIKE 'aws-cli/2.13.%' AND eventSource = 'iam.amazonaws.com'""",
         """SELECT eventID FROM cloudtrail
            WHERE userAgent LIKE 'aws-cli/2.13.%' AND eventSource = 'iam.amazonaws.com'"""),
    Case("c07_not_like",
         """SELECT eventName FROM cloudtrail
            WHERE eventSource = 'iam.amazonaws.com' AND readOnly = false
              AND userAgent NOT LIKE '%Terraform%'""",
         """SELECT eventID FROM cloudtrail
            WHERE eventSource = 'iam.amazonaws.com' AND readOnly = false
              AND userAgent NOT LIKE '%Terraform%'"""),
    # _ is exactly one character; LIKE is case-sensitive (SA-EAST-1 edge).
    Case("c08_like_underscore",
         """SELECT eventName, awsRegion FROM cloudtrail
            WHERE awsRegion LIKE 'us-____-_' AND eventName = 'RunInstances'""",
         """SELECT eventID FROM cloudtrail
            WHERE awsRegion LIKE 'us-____-_' AND eventName = 'RunInstances'"""),
    # ESCAPE makes % and _ literal.
    Case("c09_like_escape",
         """SELECT eventName FROM cloudtrail
            WHERE requestParameters.key LIKE '%!%!_%' ESCAPE '!'""",
         """SELECT eventID FROM cloudtrail
            WHERE requestParameters->>'key' LIKE '%!%!_%' ESCAPE '!'"""),
    Case("c10_ilike",
         """SELECT eventName FROM cloudtrail
            WHERE eventName ILIKE '%logging' OR userIdentity.userName ILIKE 'MALLORY'""",
         """SELECT eventID FROM cloudtrail
            WHERE eventName ILIKE '%logging' OR userIdentity.userName ILIKE 'MALLORY'"""),
    Case("c11_not_ilike",
         """SELECT eventName FROM cloudtrail
            WHERE eventSource = 'signin.amazonaws.com' AND eventName NOT ILIKE 'consolelogin'""",
         """SELECT eventID FROM cloudtrail
            WHERE eventSource = 'signin.amazonaws.com' AND eventName NOT ILIKE 'consolelogin'"""),
    # REGEXP matches anywhere (DuckDB's regexp_matches is also a partial match).
    Case("c12_regexp",
         """SELECT eventName, userIdentity.arn FROM cloudtrail
            WHERE userIdentity.arn REGEXP ':assumed-role/(Admin|BreakGlass)/'
              AND readOnly = false""",
         """SELECT eventID FROM cloudtrail
            WHERE regexp_matches(userIdentity.arn, ':assumed-role/(Admin|BreakGlass)/')
              AND readOnly = false"""),
    Case("c13_not_regexp",
         """SELECT eventName, errorCode FROM cloudtrail
            WHERE errorCode NOT REGEXP '^Access' AND eventSource = 's3.amazonaws.com'""",
         """SELECT eventID FROM cloudtrail
            WHERE NOT regexp_matches(errorCode, '^Access') AND eventSource = 's3.amazonaws.com'"""),
    Case("c14_rlike_anchored",
         """SELECT eventName FROM cloudtrail
            WHERE eventName RLIKE '^(Attach|Put)(Role|Group|User)Policy$'""",
         """SELECT eventID FROM cloudtrail
            WHERE regexp_matches(eventName, '^(Attach|Put)(Role|Group|User)Policy$')"""),
    # BETWEEN with timestamp literals in both accepted spellings.
    Case("c15_between_timestamps",
         """SELECT eventName FROM cloudtrail
            WHERE eventTime BETWEEN '2023-10-01T06:00:00Z' AND '2023-10-01 06:30:00'
              AND eventSource = 'sts.amazonaws.com'""",
         """SELECT eventID FROM cloudtrail
            WHERE eventTime BETWEEN TIMESTAMP '2023-10-01 06:00:00'
                                AND TIMESTAMP '2023-10-01 06:30:00'
              AND eventSource = 'sts.amazonaws.com'"""),
    # NOT BETWEEN; the upper date is midnight and inclusive; no eventTime is NULL.
    Case("c16_not_between",
         """SELECT eventName FROM cloudtrail
            WHERE eventName = 'ConsoleLogin'
              AND eventTime NOT BETWEEN '2023-09-30T06:00:00Z' AND '2023-10-02'""",
         """SELECT eventID FROM cloudtrail
            WHERE eventName = 'ConsoleLogin'
              AND eventTime NOT BETWEEN TIMESTAMP '2023-09-30 06:00:00'
                                    AND TIMESTAMP '2023-10-02 00:00:00'"""),
    Case("c17_time_lt_gt",
         """SELECT eventName FROM cloudtrail
            WHERE eventTime < '2023-09-30T00:10:00Z' OR eventTime > '2023-10-02T23:50:00Z'""",
         """SELECT eventID FROM cloudtrail
            WHERE eventTime < TIMESTAMP '2023-09-30 00:10:00'
               OR eventTime > TIMESTAMP '2023-10-02 23:50:00'"""),
    Case("c18_is_null",
         """SELECT eventName FROM cloudtrail
            WHERE eventName = 'ConsoleLogin' AND sourceIPAddress IS NULL""",
         """SELECT eventID FROM cloudtrail
            WHERE eventName = 'ConsoleLogin' AND sourceIPAddress IS NULL"""),
    # The empty string is not NULL.
    Case("c19_is_not_null",
         """SELECT eventName, errorCode FROM cloudtrail
            WHERE errorCode IS NOT NULL
              AND eventSource IN ('kms.amazonaws.com', 'lambda.amazonaws.com')""",
         """SELECT eventID FROM cloudtrail
            WHERE errorCode IS NOT NULL
              AND eventSource IN ('kms.amazonaws.com', 'lambda.amazonaws.com')"""),
    # NOT (NULL AND TRUE) is NULL; NOT (NULL AND FALSE) is TRUE.
    Case("c20_not_and_with_null",
         """SELECT eventName FROM cloudtrail
            WHERE eventName IN ('GetObject', 'GetCallerIdentity')
              AND NOT (errorCode = 'AccessDenied' AND eventSource = 's3.amazonaws.com')""",
         """SELECT eventID FROM cloudtrail
            WHERE eventName IN ('GetObject', 'GetCallerIdentity')
              AND NOT (errorCode = 'AccessDenied' AND eventSource = 's3.amazonaws.com')"""),
    # NULL OR TRUE is TRUE.
    Case("c21_or_with_null",
         """SELECT eventName FROM cloudtrail
            WHERE (errorCode = 'AccessDenied' AND eventSource = 'iam.amazonaws.com')
               OR userIdentity.type = 'Root'""",
         """SELECT eventID FROM cloudtrail
            WHERE (errorCode = 'AccessDenied' AND eventSource = 'iam.amazonaws.com')
               OR userIdentity.type = 'Root'"""),
    # NOT (NULL OR FALSE) is NULL: only records with some other errorCode fire.
    Case("c22_not_or_with_null",
         """SELECT eventName FROM cloudtrail
            WHERE NOT (errorCode = 'AccessDenied' OR readOnly = true)
              AND eventSource = 'iam.amazonaws.com'""",
         """SELECT eventID FROM cloudtrail
            WHERE NOT (errorCode = 'AccessDenied' OR readOnly = true)
              AND eventSource = 'iam.amazonaws.com'"""),
    Case("c23_lower_upper",
         """SELECT eventName FROM cloudtrail
            WHERE lower(userIdentity.userName) = 'mallory' OR upper(awsRegion) = 'SA-EAST-1'""",
         """SELECT eventID FROM cloudtrail
            WHERE lower(userIdentity.userName) = 'mallory' OR upper(awsRegion) = 'SA-EAST-1'"""),
    Case("c24_starts_ends_with",
         """SELECT eventName FROM cloudtrail
            WHERE starts_with(userIdentity.arn, 'arn:aws:sts::') AND ends_with(eventName, 'Policy')""",
         """SELECT eventID FROM cloudtrail
            WHERE starts_with(userIdentity.arn, 'arn:aws:sts::') AND ends_with(eventName, 'Policy')"""),
    # contains() on a string is a substring test; bucketName is the Athena alias
    # (a column of the DuckDB view).
    Case("c25_contains_and_alias",
         """SELECT bucketName, eventName FROM cloudtrail
            WHERE contains(userAgent, 'Boto3') AND eventName = 'GetObject'
              AND bucketName = 'acme-payroll'""",
         """SELECT eventID FROM cloudtrail
            WHERE contains(userAgent, 'Boto3') AND eventName = 'GetObject'
              AND bucketName = 'acme-payroll'"""),
    Case("c26_hour",
         """SELECT eventName FROM cloudtrail
            WHERE eventName = 'ConsoleLogin' AND (hour(eventTime) >= 22 OR hour(eventTime) < 6)""",
         """SELECT eventID FROM cloudtrail
            WHERE eventName = 'ConsoleLogin' AND (hour(eventTime) >= 22 OR hour(eventTime) < 6)"""),
    # hour() in a time zone (EDT in October: UTC-4).
    Case("c27_hour_time_zone",
         """SELECT eventName FROM cloudtrail
            WHERE eventName = 'AssumeRole' AND hour(eventTime, 'America/New_York') = 20""",
         """SELECT eventID FROM cloudtrail
            WHERE eventName = 'AssumeRole'
              AND hour(timezone('America/New_York', timezone('UTC', eventTime))) = 20"""),
    # day_of_week is ISO (Saturday 6, Sunday 7), DuckDB's isodow.
    Case("c28_day_of_week",
         """SELECT eventName FROM cloudtrail
            WHERE day_of_week(eventTime) IN (6, 7) AND eventSource = 'iam.amazonaws.com'
              AND readOnly = false""",
         """SELECT eventID FROM cloudtrail
            WHERE isodow(eventTime) IN (6, 7) AND eventSource = 'iam.amazonaws.com'
              AND readOnly = false"""),
    # json_extract_scalar on a string holding JSON (IAM policy documents). A
    # document that is not JSON, or whose Statement is an object, gives NULL;
    # DuckDB raises on invalid JSON, hence the json_valid guard.
    Case("c29_json_extract_scalar_on_string",
         """SELECT eventName FROM cloudtrail
            WHERE eventName = 'PutRolePolicy'
              AND json_extract_scalar(requestParameters.policyDocument, '$.Statement[0].Action') = '*'""",
         """SELECT eventID FROM cloudtrail
            WHERE eventName = 'PutRolePolicy'
              AND CASE WHEN json_valid(requestParameters->>'policyDocument')
                       THEN json_extract_string(requestParameters->>'policyDocument',
                                                '$.Statement[0].Action') END = '*'"""),
    Case("c30_json_extract_scalar_on_object",
         """SELECT eventName FROM cloudtrail
            WHERE json_extract_scalar(requestParameters, '$.roleName') = 'BreakGlass'""",
         """SELECT eventID FROM cloudtrail
            WHERE requestParameters->>'$.roleName' = 'BreakGlass'"""),
    # A nested path; a JSON boolean false compares as the text 'false'.
    Case("c31_nested_mfa",
         """SELECT eventName FROM cloudtrail
            WHERE userIdentity.sessionContext.attributes.mfaAuthenticated = 'false'
              AND readOnly = false AND eventSource = 'iam.amazonaws.com'""",
         """SELECT eventID FROM cloudtrail
            WHERE userIdentity.sessionContext.attributes.mfaAuthenticated = 'false'
              AND readOnly = false AND eventSource = 'iam.amazonaws.com'"""),
    # readOnly = false matches JSON false and the string "false".
    Case("c32_read_only_false",
         """SELECT eventName FROM cloudtrail
            WHERE readOnly = false AND eventSource = 'kms.amazonaws.com'""",
         """SELECT eventID FROM cloudtrail
            WHERE readOnly = false AND eventSource = 'kms.amazonaws.com'"""),
    # readOnly = 'true' compares the text: JSON true and the string "true".
    Case("c33_read_only_text",
         """SELECT eventName FROM cloudtrail
            WHERE readOnly = 'true' AND eventSource = 'iam.amazonaws.com'
              AND eventName LIKE 'Create%'""",
         """SELECT eventID FROM cloudtrail
            WHERE readOnly = 'true' AND eventSource = 'iam.amazonaws.com'
              AND eventName LIKE 'Create%'"""),
    # Number literal: numeric comparison, also on numeric strings; a
    # non-numeric string is NULL (DuckDB: TRY_CAST).
    Case("c34_number_gt",
         """SELECT eventName FROM cloudtrail
            WHERE eventName = 'GetObject' AND additionalEventData.bytesTransferredOut > 40000000""",
         """SELECT eventID FROM cloudtrail
            WHERE eventName = 'GetObject'
              AND TRY_CAST(additionalEventData->>'bytesTransferredOut' AS DOUBLE) > 40000000"""),
    Case("c35_not_number_ge",
         """SELECT eventName FROM cloudtrail
            WHERE eventName = 'AssumeRole' AND NOT (requestParameters.durationSeconds >= 3600)""",
         """SELECT eventID FROM cloudtrail
            WHERE eventName = 'AssumeRole'
              AND NOT (TRY_CAST(requestParameters->>'durationSeconds' AS DOUBLE) >= 3600)"""),
    # String literal against a number: the number's text.
    Case("c36_number_as_text",
         """SELECT eventName FROM cloudtrail WHERE requestParameters.maxItems = '100'""",
         """SELECT eventID FROM cloudtrail WHERE requestParameters->>'maxItems' = '100'"""),
    Case("c37_number_eq",
         """SELECT eventName FROM cloudtrail WHERE requestParameters.maxItems = 1000""",
         """SELECT eventID FROM cloudtrail
            WHERE TRY_CAST(requestParameters->>'maxItems' AS DOUBLE) = 1000"""),
    Case("c38_number_ne",
         """SELECT eventName FROM cloudtrail
            WHERE eventName = 'AssumeRole' AND requestParameters.durationSeconds <> 3600""",
         """SELECT eventID FROM cloudtrail
            WHERE eventName = 'AssumeRole'
              AND TRY_CAST(requestParameters->>'durationSeconds' AS DOUBLE) <> 3600"""),
    Case("c39_text_ordering",
         """SELECT eventName FROM cloudtrail
            WHERE eventVersion < '1.09' AND eventSource = 'kms.amazonaws.com'""",
         """SELECT eventID FROM cloudtrail
            WHERE eventVersion < '1.09' AND eventSource = 'kms.amazonaws.com'"""),
    # Array index: trailhound is 0-based, DuckDB lists are 1-based. An empty
    # or null resources array has no first element: NULL.
    Case("c40_array_index",
         """SELECT eventName FROM cloudtrail
            WHERE resources[0].ARN LIKE 'arn:aws:s3:::acme-secrets-prod/%'""",
         """SELECT eventID FROM cloudtrail
            WHERE resources[1].ARN LIKE 'arn:aws:s3:::acme-secrets-prod/%'"""),
    # Any element ([*]). The README's array semantics (TRUE if some element is
    # TRUE, else NULL if some is NULL, else FALSE; empty array NULL) differ
    # from list_contains only between FALSE and NULL, which a positive
    # comparison cannot observe; no NOT is applied here on purpose.
    Case("c41_array_any",
         """SELECT eventName FROM cloudtrail
            WHERE resources[*].type = 'AWS::KMS::Key' AND readOnly = false""",
         """SELECT eventID FROM cloudtrail
            WHERE list_contains([r.type FOR r IN resources], 'AWS::KMS::Key')
              AND readOnly = false"""),
    Case("c42_security_group_open_to_world",
         """SELECT eventName FROM cloudtrail
            WHERE eventName = 'AuthorizeSecurityGroupIngress'
              AND requestParameters.ipPermissions.items[0].ipv6Ranges.items[*].cidrIpv6 = '::/0'""",
         """SELECT eventID FROM cloudtrail
            WHERE eventName = 'AuthorizeSecurityGroupIngress'
              AND list_contains(json_extract_string(requestParameters,
                      '$.ipPermissions.items[0].ipv6Ranges.items[*].cidrIpv6'), '::/0')"""),
    # A quoted key with dashes; absent in one edge S3 record.
    Case("c43_quoted_key",
         """SELECT eventName FROM cloudtrail
            WHERE eventSource = 's3.amazonaws.com' AND eventName = 'GetObject'
              AND additionalEventData."x-amz-id-2" IS NULL""",
         """SELECT eventID FROM cloudtrail
            WHERE eventSource = 's3.amazonaws.com' AND eventName = 'GetObject'
              AND additionalEventData->>'x-amz-id-2' IS NULL"""),
    # The MFAUsed alias and a key of responseElements.
    Case("c44_mfa_used_alias",
         """SELECT eventName FROM cloudtrail
            WHERE MFAUsed = 'No' AND eventName = 'ConsoleLogin'
              AND responseElements.ConsoleLogin = 'Success'""",
         """SELECT eventID FROM cloudtrail
            WHERE additionalEventData->>'MFAUsed' = 'No' AND eventName = 'ConsoleLogin'
              AND responseElements->>'ConsoleLogin' = 'Success'"""),
    # userIdentity missing, null, or without a type (AwsServiceEvent).
    Case("c45_identity_type_is_null",
         """SELECT eventName FROM cloudtrail WHERE userIdentity.type IS NULL""",
         """SELECT eventID FROM cloudtrail WHERE userIdentity.type IS NULL"""),
    # Comparison with the empty string.
    Case("c46_empty_string",
         """SELECT eventName FROM cloudtrail
            WHERE userIdentity.accessKeyId = '' AND responseElements.ConsoleLogin = 'Failure'""",
         """SELECT eventID FROM cloudtrail
            WHERE userIdentity.accessKeyId = '' AND responseElements->>'ConsoleLogin' = 'Failure'"""),
    Case("c47_ne_on_sparse_field",
         """SELECT eventName FROM cloudtrail
            WHERE userIdentity.invokedBy != 'lambda.amazonaws.com'""",
         """SELECT eventID FROM cloudtrail
            WHERE userIdentity.invokedBy <> 'lambda.amazonaws.com'"""),
    # _ matches one character, also a multi-byte one (José, not Joseph).
    Case("c48_like_multibyte",
         """SELECT eventName FROM cloudtrail WHERE userIdentity.userName LIKE 'Jos_'""",
         """SELECT eventID FROM cloudtrail WHERE userIdentity.userName LIKE 'Jos_'"""),
    # Escaped characters in the record: a quote in errorMessage / userAgent.
    Case("c49_escaped_quote_in_value",
         """SELECT eventName FROM cloudtrail
            WHERE errorMessage LIKE '%"p"%' OR userAgent LIKE '%"quoted"%'""",
         """SELECT eventID FROM cloudtrail
            WHERE errorMessage LIKE '%"p"%' OR userAgent LIKE '%"quoted"%'"""),
    # > and <= around an exact midnight.
    Case("c50_midnight_boundaries",
         """SELECT eventName FROM cloudtrail
            WHERE eventName = 'GetObject'
              AND eventTime > '2023-09-30T23:59:58Z' AND eventTime <= '2023-10-01'""",
         """SELECT eventID FROM cloudtrail
            WHERE eventName = 'GetObject'
              AND eventTime > TIMESTAMP '2023-09-30 23:59:58'
              AND eventTime <= TIMESTAMP '2023-10-01 00:00:00'"""),
    # A NULL item in an IN list: TRUE when another item matches, else NULL.
    Case("c51_in_with_null_item",
         """SELECT eventName FROM cloudtrail WHERE eventName IN ('CheckMfa', NULL)""",
         """SELECT eventID FROM cloudtrail WHERE eventName IN ('CheckMfa', NULL)"""),
    # ... so NOT IN with a NULL item is never TRUE: this pair must be empty.
    Case("c52_not_in_with_null_item",
         """SELECT eventName FROM cloudtrail
            WHERE eventName = 'ConsoleLogin' AND sourceIPAddress NOT IN ('203.0.113.10', NULL)""",
         """SELECT eventID FROM cloudtrail
            WHERE eventName = 'ConsoleLogin' AND sourceIPAddress NOT IN ('203.0.113.10', NULL)""",
         may_be_empty=True),
    # IN and BETWEEN with numbers compare numerically (numeric strings too).
    Case("c53_number_in",
         """SELECT eventName FROM cloudtrail
            WHERE requestParameters.durationSeconds IN (900, 43200)""",
         """SELECT eventID FROM cloudtrail
            WHERE TRY_CAST(requestParameters->>'durationSeconds' AS DOUBLE) IN (900, 43200)"""),
    Case("c54_number_between",
         """SELECT eventName FROM cloudtrail
            WHERE additionalEventData.bytesTransferredIn BETWEEN 100 AND 500""",
         """SELECT eventID FROM cloudtrail
            WHERE TRY_CAST(additionalEventData->>'bytesTransferredIn' AS DOUBLE) BETWEEN 100 AND 500"""),
    Case("c55_day_of_week_time_zone",
         """SELECT eventName FROM cloudtrail
            WHERE eventName = 'ConsoleLogin' AND day_of_week(eventTime, 'Asia/Tokyo') = 1""",
         """SELECT eventID FROM cloudtrail
            WHERE eventName = 'ConsoleLogin'
              AND isodow(timezone('Asia/Tokyo', timezone('UTC', eventTime))) = 1"""),
    # = with a date literal is the instant midnight.
    Case("c56_time_equals_date",
         """SELECT eventName FROM cloudtrail WHERE eventTime = '2023-10-01'""",
         """SELECT eventID FROM cloudtrail WHERE eventTime = TIMESTAMP '2023-10-01 00:00:00'"""),
    # IN with date/timestamp literals: the README's instants rule applies to
    # comparisons, and IN is a list of = comparisons (DuckDB casts the same).
    Case("c57_time_in_dates",
         """SELECT eventName FROM cloudtrail
            WHERE eventTime IN ('2023-10-01', '2023-10-02T00:00:00Z')""",
         """SELECT eventID FROM cloudtrail
            WHERE eventTime IN (TIMESTAMP '2023-10-01 00:00:00', TIMESTAMP '2023-10-02 00:00:00')"""),
    Case("c58_regexp_case_insensitive_flag",
         """SELECT eventName FROM cloudtrail WHERE userAgent REGEXP '(?i)^boto3/1\\.26'""",
         """SELECT eventID FROM cloudtrail WHERE regexp_matches(userAgent, '(?i)^boto3/1\\.26')"""),
    # json_extract_scalar returns a number as its text.
    Case("c59_json_extract_scalar_number",
         """SELECT eventName FROM cloudtrail
            WHERE json_extract_scalar(requestParameters, '$.ipPermissions.items[0].fromPort') = '22'""",
         """SELECT eventID FROM cloudtrail
            WHERE requestParameters->>'$.ipPermissions.items[0].fromPort' = '22'"""),
    Case("c60_nested_struct_field",
         """SELECT eventName FROM cloudtrail
            WHERE tlsDetails.tlsVersion = 'TLSv1.3' AND eventSource = 'guardduty.amazonaws.com'""",
         """SELECT eventID FROM cloudtrail
            WHERE tlsDetails.tlsVersion = 'TLSv1.3' AND eventSource = 'guardduty.amazonaws.com'"""),
    Case("c61_session_from_console",
         """SELECT eventName FROM cloudtrail
            WHERE sessionCredentialFromConsole = 'true' AND readOnly = false""",
         """SELECT eventID FROM cloudtrail
            WHERE sessionCredentialFromConsole = 'true' AND readOnly = false"""),
    # A view (its WHERE is ANDed in) and a plain SELECT named by a comment.
    Case("c62_view",
         """SELECT eventName FROM iam_writes WHERE eventName LIKE 'Delete%'""",
         """SELECT eventID FROM cloudtrail
            WHERE eventSource = 'iam.amazonaws.com' AND readOnly = false
              AND eventName LIKE 'Delete%'""",
         plain=True),
    # A named list of plain addresses behaves as an IN list.
    Case("c63_list",
         """SELECT eventName, sourceIPAddress FROM cloudtrail
            WHERE eventName = 'ConsoleLogin' AND sourceIPAddress NOT IN office_ips""",
         """SELECT eventID FROM cloudtrail
            WHERE eventName = 'ConsoleLogin'
              AND sourceIPAddress NOT IN ('203.0.113.10', '203.0.113.11', '198.51.100.7')"""),
    Case("c64_boolean_as_text",
         """SELECT eventName FROM cloudtrail
            WHERE managementEvent = 'false' AND eventName = 'PutObject' AND awsRegion = 'eu-west-1'""",
         """SELECT eventID FROM cloudtrail
            WHERE managementEvent = false AND eventName = 'PutObject' AND awsRegion = 'eu-west-1'"""),
    Case("c65_not_like_on_null",
         """SELECT eventName FROM cloudtrail
            WHERE userAgent NOT LIKE 'Mozilla/5.0 (%' AND eventName = 'ConsoleLogin'""",
         """SELECT eventID FROM cloudtrail
            WHERE userAgent NOT LIKE 'Mozilla/5.0 (%' AND eventName = 'ConsoleLogin'"""),
    # <> TRUE: JSON false and the string "false"; a null readOnly is NULL.
    Case("c66_ne_true",
         """SELECT eventName FROM cloudtrail
            WHERE readOnly <> TRUE AND eventSource = 'iam.amazonaws.com'""",
         """SELECT eventID FROM cloudtrail
            WHERE readOnly <> TRUE AND eventSource = 'iam.amazonaws.com'"""),
    # An empty range (warning TH2004) matches nothing.
    Case("c67_empty_range",
         """SELECT eventName FROM cloudtrail
            WHERE eventTime BETWEEN '2023-10-02' AND '2023-10-01'""",
         """SELECT eventID FROM cloudtrail
            WHERE eventTime BETWEEN TIMESTAMP '2023-10-02 00:00:00' AND TIMESTAMP '2023-10-01 00:00:00'""",
         may_be_empty=True),
    Case("c68_not_time_ge",
         """SELECT eventName FROM cloudtrail
            WHERE eventName = 'ConsoleLogin' AND NOT (eventTime >= '2023-10-01')""",
         """SELECT eventID FROM cloudtrail
            WHERE eventName = 'ConsoleLogin' AND NOT (eventTime >= TIMESTAMP '2023-10-01 00:00:00')"""),
    Case("c69_upper_on_alias",
         """SELECT bucketName FROM cloudtrail WHERE upper(bucketName) = 'ACME-PAYROLL'
            AND readOnly = false""",
         """SELECT eventID FROM cloudtrail WHERE upper(bucketName) = 'ACME-PAYROLL'
            AND readOnly = false"""),
    # Precedence: AND binds tighter than OR; NOT looser than comparisons.
    Case("c70_and_before_or",
         """SELECT eventName FROM cloudtrail
            WHERE eventName = 'CheckMfa' OR eventName = 'GetObject' AND bucketName = 'acme-secrets-prod'
               AND errorCode = 'AccessDenied'""",
         """SELECT eventID FROM cloudtrail
            WHERE eventName = 'CheckMfa'
               OR (eventName = 'GetObject' AND bucketName = 'acme-secrets-prod'
                   AND errorCode = 'AccessDenied')"""),
    Case("c71_not_binds_looser_than_comparison",
         """SELECT eventName FROM cloudtrail
            WHERE NOT eventSource = 's3.amazonaws.com' AND NOT NOT eventName LIKE 'Delete%'""",
         """SELECT eventID FROM cloudtrail
            WHERE NOT (eventSource = 's3.amazonaws.com') AND eventName LIKE 'Delete%'"""),
    Case("c72_between_then_and",
         """SELECT eventName FROM cloudtrail
            WHERE hour(eventTime) BETWEEN 1 AND 2 AND eventName = 'RunInstances'""",
         """SELECT eventID FROM cloudtrail
            WHERE hour(eventTime) BETWEEN 1 AND 2 AND eventName = 'RunInstances'"""),
    # Keywords in any case, comments, '' inside a literal, a quoted table name.
    Case("c73_lexical",
         """select eventName /* block */ from "cloudtrail_logs_table" -- line comment
            where errorMessage like '%user''s session%' Or userIdentity.userName = 'o''brien'""",
         """SELECT eventID FROM cloudtrail
            WHERE errorMessage LIKE '%user''s session%' OR userIdentity.userName = 'o''brien'"""),
    Case("c74_negative_and_decimal_numbers",
         """SELECT eventName FROM cloudtrail
            WHERE requestParameters.durationSeconds < 0 OR requestParameters.durationSeconds = 899.5
               OR requestParameters.durationSeconds BETWEEN 899.5 AND 900.5""",
         """SELECT eventID FROM cloudtrail
            WHERE TRY_CAST(requestParameters->>'durationSeconds' AS DOUBLE) < 0
               OR TRY_CAST(requestParameters->>'durationSeconds' AS DOUBLE) = 899.5
               OR TRY_CAST(requestParameters->>'durationSeconds' AS DOUBLE) BETWEEN 899.5 AND 900.5"""),
    # Athena's lower-case column names, and the short-name aliases.
    Case("c75_lower_case_columns",
         """SELECT eventname FROM cloudtrail
            WHERE eventname = 'DeleteDetector' AND awsregion <> 'us-east-1'""",
         """SELECT eventID FROM cloudtrail
            WHERE eventName = 'DeleteDetector' AND awsRegion <> 'us-east-1'"""),
    Case("c76_aliases_key_rolename_policyarn",
         """SELECT eventName FROM cloudtrail
            WHERE (key LIKE 'config/%' AND eventName = 'PutObject')
               OR (roleName IN ('Admin', 'BreakGlass') AND readOnly = false)
               OR policyArn = 'arn:aws:iam::aws:policy/AdministratorAccess'""",
         """SELECT eventID FROM cloudtrail
            WHERE (requestParameters->>'key' LIKE 'config/%' AND eventName = 'PutObject')
               OR (requestParameters->>'roleName' IN ('Admin', 'BreakGlass') AND readOnly = false)
               OR requestParameters->>'policyArn' = 'arn:aws:iam::aws:policy/AdministratorAccess'"""),
    Case("c77_aliases_arn_principal_mfa",
         """SELECT eventName FROM cloudtrail
            WHERE (arn LIKE '%:root' AND eventSource = 's3.amazonaws.com')
               OR (mfaAuthenticated = 'true' AND principalId LIKE 'AROA%:heidi@example.com'
                   AND readOnly = false)""",
         """SELECT eventID FROM cloudtrail
            WHERE (userIdentity.arn LIKE '%:root' AND eventSource = 's3.amazonaws.com')
               OR (userIdentity.sessionContext.attributes.mfaAuthenticated = 'true'
                   AND userIdentity.principalId LIKE 'AROA%:heidi@example.com'
                   AND readOnly = false)"""),
    Case("c78_groupname_policyname",
         """SELECT eventName FROM cloudtrail
            WHERE groupName = 'Admins' OR policyName = 'inline-admin'""",
         """SELECT eventID FROM cloudtrail
            WHERE requestParameters->>'groupName' = 'Admins'
               OR requestParameters->>'policyName' = 'inline-admin'"""),
    # A quoted key alone (additionalEventData's x-amz-id-2).
    Case("c79_quoted_key_alone",
         """SELECT eventName FROM cloudtrail
            WHERE "x-amz-id-2" IS NULL AND eventName = 'GetObject'""",
         """SELECT eventID FROM cloudtrail
            WHERE additionalEventData->>'x-amz-id-2' IS NULL AND eventName = 'GetObject'"""),
    Case("c80_deep_path",
         """SELECT eventName FROM cloudtrail
            WHERE userIdentity.sessionContext.sessionIssuer.userName = 'BreakGlass'
              AND errorCode IS NULL""",
         """SELECT eventID FROM cloudtrail
            WHERE userIdentity.sessionContext.sessionIssuer.userName = 'BreakGlass'
              AND errorCode IS NULL"""),
    # Any element with LIKE (positive only; see c41).
    Case("c81_array_any_like",
         """SELECT eventName FROM cloudtrail
            WHERE resources[*].ARN LIKE 'arn:aws:s3:::acme-customer-pii%' AND readOnly = false""",
         """SELECT eventID FROM cloudtrail
            WHERE len([r FOR r IN resources IF r.ARN LIKE 'arn:aws:s3:::acme-customer-pii%']) > 0
              AND readOnly = false"""),
    # contains/starts_with/ends_with take their argument literally: % and _
    # are not wildcards there.
    Case("c82_contains_metacharacters",
         """SELECT eventName FROM cloudtrail
            WHERE contains(requestParameters.key, '%_')
               OR starts_with(requestParameters.key, 'reports/1__')
               OR ends_with(requestParameters.key, '%.csv')""",
         """SELECT eventID FROM cloudtrail
            WHERE contains(requestParameters->>'key', '%_')
               OR starts_with(requestParameters->>'key', 'reports/1__')
               OR ends_with(requestParameters->>'key', '%.csv')"""),
    # contains on an array is element equality.
    Case("c83_contains_on_array",
         """SELECT eventName FROM cloudtrail
            WHERE contains(requestParameters.eventSelectors[0].excludeManagementEventSources,
                           'kms.amazonaws.com')""",
         """SELECT eventID FROM cloudtrail
            WHERE list_contains(json_extract_string(requestParameters,
                      '$.eventSelectors[0].excludeManagementEventSources[*]'), 'kms.amazonaws.com')"""),
    # IS NULL looks at the field itself: an empty array is not NULL.
    Case("c84_is_null_vs_empty_array",
         """SELECT eventName FROM cloudtrail
            WHERE resources IS NULL AND eventSource = 's3.amazonaws.com'
              AND eventName <> 'ListBuckets'""",
         """SELECT eventID FROM cloudtrail
            WHERE resources IS NULL AND eventSource = 's3.amazonaws.com'
              AND eventName <> 'ListBuckets'"""),
    # NOT over an any-element comparison, with the README's exact semantics:
    # TRUE only for a non-empty array whose elements all give FALSE (an empty
    # array, or an element without a type, gives NULL).
    Case("c85_not_any_element",
         """SELECT eventName FROM cloudtrail
            WHERE eventName IN ('GetObject', 'DisableKey')
              AND NOT (resources[*].type = 'AWS::S3::Object')""",
         """SELECT eventID FROM cloudtrail
            WHERE eventName IN ('GetObject', 'DisableKey')
              AND len(resources) > 0
              AND len([r FOR r IN resources IF r.type = 'AWS::S3::Object' OR r.type IS NULL]) = 0"""),
]


# ---------------------------------------------------------------------------

def split_statements(sql_text):
    """The statements of a .sql file (no ';' inside the seed's literals)."""
    return [s.strip() for s in sql_text.split(";") if s.strip()]


def build_rules(rules_dir, skip=()):
    """Writes the rule files; returns {rule name: (duck sql, may_be_empty)}."""
    rules_dir.mkdir(parents=True, exist_ok=True)
    for old in rules_dir.glob("*.sql"):
        old.unlink()
    expected = {}

    seed_text = SEED_QUERIES.read_text()
    seeds = split_statements(seed_text)
    if len(seeds) != 3 or seed_text.count(SEED_PLACEHOLDER) != 1:
        raise SystemExit("duckdb_differential: seed_queries.sql is not the seed's three queries")
    # seed.sql: verbatim but for the placeholder (see SEED_PLACEHOLDER above).
    (rules_dir / "seed.sql").write_text(seed_text.replace(SEED_PLACEHOLDER, SEED_DATE))
    for i in range(1, 4):
        expected[f"seed_{i}"] = (SEED_DUCK[i], False)
    # seed_verbatim.sql: the untouched file.
    (rules_dir / "seed_verbatim.sql").write_text(seed_text)
    expected["seed_verbatim_1"] = (SEED_VERBATIM_1_DUCK, True)
    expected["seed_verbatim_2"] = (SEED_DUCK[2], False)
    expected["seed_verbatim_3"] = (SEED_DUCK[3], False)

    parts = ["-- Generated by duckdb_differential.py from its CASES list.\n", PRELUDE]
    for case in CASES:
        if case.name in skip:
            continue
        if case.name in expected:
            raise SystemExit(f"duckdb_differential: duplicate case {case.name}")
        if case.plain:
            parts.append(f"-- name: {case.name}\n{case.trailhound};\n")
        else:
            parts.append(f"CREATE RULE {case.name} AS\n{case.trailhound};\n")
        expected[case.name] = (case.duck, case.may_be_empty)
    (rules_dir / "cases.sql").write_text("\n".join(parts))
    return expected


def describe_exit(code):
    return f"on signal {-code}" if code < 0 else f"with status {code}"


def isolate_failing_cases(trailhound, isolate_dir, skip):
    """Checks each case alone, so a failing `check` names the rules behind it."""
    isolate_dir.mkdir(parents=True, exist_ok=True)
    for case in CASES:
        if case.name in skip:
            continue
        path = isolate_dir / f"{case.name}.sql"
        if case.plain:
            path.write_text(f"{PRELUDE}\n-- name: {case.name}\n{case.trailhound};\n")
        else:
            path.write_text(f"{PRELUDE}\nCREATE RULE {case.name} AS\n{case.trailhound};\n")
        proc, _ = run([trailhound, "check", str(path)])
        if proc.returncode != 0:
            print(f"  `trailhound check` fails {describe_exit(proc.returncode)} on {case.name}:")
            print("    " + " ".join(case.trailhound.split()))
            out = (proc.stdout + proc.stderr).decode(errors="replace").strip()
            if out:
                print("    " + out.replace("\n", "\n    "))


def run(cmd, **kwargs):
    started = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, timeout=300, **kwargs)
    return proc, time.monotonic() - started


def generate_records(trailhound, workdir):
    generated = workdir / "generated.ndjson"
    with open(generated, "wb") as out:
        proc = subprocess.run([trailhound, "gen", str(GEN_COUNT), "--seed", str(GEN_SEED)],
                              stdout=out, stderr=subprocess.PIPE, timeout=120)
    if proc.returncode != 0:
        raise SystemExit(f"duckdb_differential: `trailhound gen` failed ({proc.returncode}):\n"
                         + proc.stderr.decode(errors="replace"))
    return generated


def combine(generated, combined):
    data = generated.read_bytes()
    if data and not data.endswith(b"\n"):
        data += b"\n"
    combined.write_bytes(data + EDGE_RECORDS.read_bytes())


def load_records(path):
    """eventID -> raw line, and the number of non-blank lines."""
    by_id = {}
    lines = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            lines += 1
            record = json.loads(line)
            event_id = record.get("eventID")
            if event_id in by_id:
                raise SystemExit(f"duckdb_differential: duplicate eventID {event_id} in {path}")
            by_id[event_id] = line.rstrip("\n")
    return by_id, lines


def duck_connect(records_path):
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    columns = "{" + ", ".join(f"'{k}': '{v}'" for k, v in SCHEMA.items()) + "}"
    path = str(records_path).replace("'", "''")
    con.execute(f"""
        CREATE TABLE raw AS
        SELECT * FROM read_json('{path}', format = 'newline_delimited',
                                columns = {columns}, maximum_object_size = 16777216)""")
    con.execute("""
        CREATE VIEW cloudtrail_logs_table AS
        SELECT *, requestParameters->>'bucketName' AS bucketName FROM raw""")
    con.execute("CREATE VIEW cloudtrail AS SELECT * FROM cloudtrail_logs_table")
    return con


def duck_ids(con, sql):
    rows = con.execute(sql).fetchall()
    ids = [r[0] for r in rows]
    return ids


def read_alerts(path):
    alerts = collections.defaultdict(list)
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            alert = json.loads(line)
            if "rule" not in alert or "eventID" not in alert:
                raise SystemExit(f"duckdb_differential: alert line {n} lacks rule/eventID: {line}")
            alerts[alert["rule"]].append(alert["eventID"])
    return alerts


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--trailhound", help="path of the trailhound executable")
    ap.add_argument("--workdir", default="differential-work",
                    help="scratch directory (rules, records, alerts)")
    ap.add_argument("--records", help="use these NDJSON records instead of `trailhound gen` "
                    "(edge records are still appended)")
    ap.add_argument("--skip", action="append", default=[], metavar="CASE",
                    help="leave a case out (for investigating; the test as registered "
                    "runs them all)")
    ap.add_argument("--duckdb-only", action="store_true",
                    help="only run the DuckDB side and print counts (for writing cases)")
    args = ap.parse_args()
    if not args.duckdb_only and not args.trailhound:
        ap.error("--trailhound is required unless --duckdb-only")

    started = time.monotonic()
    workdir = pathlib.Path(args.workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    rules_dir = workdir / "rules"
    unknown_skips = set(args.skip) - {c.name for c in CASES}
    if unknown_skips:
        ap.error(f"--skip: no such case {sorted(unknown_skips)}")
    expected = build_rules(rules_dir, set(args.skip))

    generated = pathlib.Path(args.records) if args.records else generate_records(args.trailhound,
                                                                                  workdir)
    combined = workdir / "records.ndjson"
    combine(generated, combined)
    by_id, n_records = load_records(combined)

    con = duck_connect(combined)
    n_duck = con.execute("SELECT count(*) FROM raw").fetchone()[0]
    if n_duck != n_records:
        print(f"FAIL: DuckDB loaded {n_duck} records, the file has {n_records}")
        return 1

    duck = {}
    for name, (sql, _) in expected.items():
        try:
            duck[name] = duck_ids(con, sql)
        except duckdb.Error as e:
            print(f"FAIL: DuckDB query of {name} failed: {e}\n{sql}")
            return 1

    if args.duckdb_only:
        for name in expected:
            ids = duck[name]
            edge = sum(1 for i in ids if str(i).startswith("edge-"))
            print(f"{name:40s} {len(ids):6d} matches ({edge} edge)")
        return 0

    # trailhound: check first (all diagnostics), then run.
    proc, _ = run([args.trailhound, "check", str(rules_dir)])
    if proc.returncode != 0:
        print(f"FAIL: `trailhound check {rules_dir}` exited {describe_exit(proc.returncode)}:\n"
              + proc.stdout.decode(errors="replace") + proc.stderr.decode(errors="replace"))
        isolate_failing_cases(args.trailhound, workdir / "isolate", set(args.skip))
        return 1
    alerts_path = workdir / "alerts.ndjson"
    dead_path = workdir / "dead_letters.ndjson"
    for p in (alerts_path, dead_path):
        if p.exists():
            p.unlink()
    proc, seconds = run([args.trailhound, "run", "--rules", str(rules_dir),
                         "--output", str(alerts_path), "--dead-letter", str(dead_path),
                         str(combined)])
    if proc.returncode != 0:
        print(f"FAIL: `trailhound run` exited {describe_exit(proc.returncode)}:\n"
              + proc.stderr.decode(errors="replace"))
        return 1
    summary = proc.stderr.decode(errors="replace").strip().splitlines()
    if dead_path.exists() and dead_path.stat().st_size > 0:
        print("FAIL: trailhound dead-lettered records that DuckDB accepted:")
        print(dead_path.read_text()[:4000])
        return 1
    alerts = read_alerts(alerts_path)

    failures = 0
    unknown = sorted(set(alerts) - set(expected))
    if unknown:
        print(f"FAIL: alerts from rules this test did not write: {unknown}")
        failures += 1
    some_rule_leaves_records_out = False
    for name, (sql, may_be_empty) in expected.items():
        th_list = alerts.get(name, [])
        th = set(th_list)
        dk = set(duck[name])
        status = []
        if len(th_list) != len(th):
            dupes = [i for i, c in collections.Counter(th_list).items() if c > 1][:5]
            status.append(f"duplicate alerts for {dupes}")
        if th != dk:
            status.append("sets differ")
        if not dk and not may_be_empty:
            status.append("matched nothing (vacuous pair: tune the rule or the edge records)")
        if may_be_empty and dk:
            status.append("expected no match")
        if len(dk) < n_records:
            some_rule_leaves_records_out = True
        if not status:
            print(f"ok   {name:40s} {len(dk):6d} matches")
            continue
        failures += 1
        print(f"FAIL {name:40s} trailhound {len(th)} / DuckDB {len(dk)}: {'; '.join(status)}")
        rule_text = next((c.trailhound for c in CASES if c.name == name), None)
        if rule_text is None:
            rule_text = "(seed query; see " + str(rules_dir) + ")"
        print("  trailhound rule: " + " ".join(rule_text.split()))
        print("  DuckDB query:    " + " ".join(sql.split()))
        for label, ids in (("only trailhound", sorted(th - dk)), ("only DuckDB", sorted(dk - th))):
            if ids:
                print(f"  {label} ({len(ids)}):")
                for event_id in ids[:5]:
                    print(f"    {event_id}: {by_id.get(event_id, '(record not found)')}")
    if not some_rule_leaves_records_out:
        print("FAIL: every rule matched every record (vacuous)")
        failures += 1

    elapsed = time.monotonic() - started
    if summary:
        print(summary[-1])
    print(f"{len(expected)} rule pairs over {n_records} records "
          f"({n_records - len(EDGE_RECORDS.read_text().splitlines())} generated + edge), "
          f"trailhound run {seconds:.2f} s, total {elapsed:.1f} s: "
          + ("PASS" if failures == 0 else f"{failures} FAILED"))
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
