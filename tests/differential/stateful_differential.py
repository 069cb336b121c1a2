#!/usr/bin/env python3
"""Differential test: trailhound's stateful rules against DuckDB as the oracle.

Generates synthetic CloudTrail records in Python (fixed seed) built to exercise
event-time windows: a handful of source IPs, users, buckets and regions so
that groups repeat; bursts of one key within minutes; quiet gaps; times on
exact window boundaries; duplicate times; records without the grouped field
(NULL groups); and out-of-order arrival by less than every rule's
allowed_lateness (so no record is late). It writes a rule file of aggregation
rules (TUMBLING, HOPPING and SLIDING windows; count(*), count(DISTINCT x),
min/max(eventTime), array_agg(DISTINCT x) LIMIT n, window_start/window_end;
GROUP BY one field, two fields, none; HAVING thresholds, and one rule without
HAVING) and first_seen rules (one with LEARN INTERVAL), runs

  trailhound run --rules rules.sql --threads 1 --output alerts.ndjson \
                 --dead-letter dl.ndjson records.ndjson

and computes the same results with DuckDB from the same records file:
tumbling/hopping windows as GROUP BY over time buckets (hopping: every window
start a record belongs to, unnested), sliding windows as a self-join of each
group's distinct times t with its records in [t - L, t] plus the edge trigger
over the previous distinct time, first_seen as row_number() over (key, value)
in arrival (file) order with the learning interval. The README's "Stateful
rules" section is the specification both sides must meet; the two sides are
written independently, each in its own dialect.

Compared per rule: the set of (group, window start, window end, SELECT
values) for window alerts, the set of eventIDs for first_seen alerts. Also
checked: no dead letters, alert_id unique, a window alert has no eventID, its
eventTime is the window's end, its window.type, its source.record is the
last record counted (TUMBLING/HOPPING: the last to arrive; SLIDING: the last to
arrive of the records at the window's end), and alerts come out in the order the
README gives (after the alerts of the record whose watermark closed the
window, by window end, then start).

The test cannot pass vacuously: every rule must alert at least once and not
for every candidate (window, or first_seen record); and for every plausible
misreading of the spec listed in MUTATIONS (exclusive sliding start, no edge
trigger, windows closed on the left, NULL as a first_seen value, memory in
event-time order, …) the data must give a different set of alerts, so an
engine making that mistake fails.

Exit status: 0 when everything agrees; 1 on any mismatch, a vacuous rule, or a
failed oracle self-check.

Usage:
  stateful_differential.py --trailhound build/cli/trailhound --workdir /tmp/sdiff
  stateful_differential.py --duckdb-only [--seed 3] [--records 50000]  # oracle side only
  stateful_differential.py --self-check     # the oracle on a hand-made input, hand-computed
"""

import argparse
import bisect
import calendar
import collections
import json
import pathlib
import random
import re
import subprocess
import sys
import time

try:
    import duckdb
except ImportError:  # pragma: no cover - depends on the machine
    sys.stderr.write("stateful_differential: the Python package 'duckdb' is missing "
                     "(scripts/install-deps.sh installs it)\n")
    sys.exit(1)

# 2023-10-01T00:00:00Z: a multiple of every window size and advance below
# (1 day included), so window boundaries fall on round times of the data.
T0 = 1696118400
# Out-of-order jitter: a record arrives at most JITTER - 1 seconds after
# records with later event times. Every rule's allowed_lateness is larger
# (the smallest is MIN_LATENESS), so no record is late.
JITTER = 540
MIN_LATENESS = 600

DEFAULT_RECORDS = 3000
DEFAULT_SEED = 7

MISSING = object()  # a field left out of the record (None writes JSON null)

# ---------------------------------------------------------------------------
# The rules. Each aggregation rule has its trailhound text and, written
# separately in DuckDB's dialect, the rows it aggregates (`rows`: idx, ts and
# the group / aggregate input columns, from the view `ct`: the records with
# idx = 0-based position in the file and ts = epoch seconds of eventTime), the
# DuckDB aggregate for every SELECTed field, and the HAVING condition.
#
# Field kinds: group (a GROUP BY value), count, time (epoch seconds), list
# (array_agg of VARCHAR values), jlist (array_agg of values kept as their JSON
# text: the README compares values by their JSON text, so 7 and "7" differ),
# wstart / wend (window_start / window_end).


class AggRule:
    def __init__(self, name, window, lateness, trailhound, rows, groups, fields, having):
        self.name = name
        self.kind = window[0]           # tumbling | hopping | sliding
        self.size = window[1]           # seconds (sliding: L)
        self.advance = window[2] if len(window) > 2 else None
        self.lateness = lateness        # seconds; must match the WITH of the text
        self.trailhound = trailhound.strip()
        self.rows = rows.strip()
        self.groups = groups            # [(short name, full path, duck column)]
        self.fields = fields            # [(name, kind, duck expr or None, list limit)]
        self.having = having            # DuckDB boolean over aggregates, or None


class FirstSeenRule:
    def __init__(self, name, trailhound, rows, learn):
        self.name = name
        self.trailhound = trailhound.strip()
        # rows: idx, ts, event_id, k, v (the first_seen arguments, NULL when
        # missing or JSON null) and rest (the rest of the WHERE, never NULL)
        self.rows = rows.strip()
        self.learn = learn              # seconds, or None


def F(name, kind, expr=None, limit=None):
    return (name, kind, expr, limit)


LOGIN_FAILURES = """
SELECT idx, ts, sourceIPAddress AS g1, userIdentity.userName AS a_user
FROM ct
WHERE eventName = 'ConsoleLogin' AND responseElements->>'ConsoleLogin' = 'Failure'"""

# JSON text of requestParameters.key; JSON null and absence are NULL.
KEY_JSON_TEXT = ("CASE WHEN json_type(requestParameters, '$.key') = 'NULL' THEN NULL "
                 "ELSE CAST(json_extract(requestParameters, '$.key') AS VARCHAR) END")

AGG_RULES = [
    AggRule(
        "login_fail_tumbling", ("tumbling", 300), 600, """
CREATE RULE login_fail_tumbling
WITH (severity = 'high', allowed_lateness = '10m')
AS SELECT sourceIPAddress, count(*) AS failures,
          count(DISTINCT userIdentity.userName) AS users,
          min(eventTime) AS first_try, max(eventTime) AS last_try
   FROM cloudtrail
   WHERE eventName = 'ConsoleLogin' AND responseElements.ConsoleLogin = 'Failure'
   GROUP BY sourceIPAddress
   WINDOW TUMBLING (SIZE 5 MINUTES)
   HAVING count(*) >= 3""",
        LOGIN_FAILURES,
        [("sourceIPAddress", "sourceIPAddress", "g1")],
        [F("sourceIPAddress", "group", "g1"), F("failures", "count", "count(*)"),
         F("users", "count", "count(DISTINCT a_user)"),
         F("first_try", "time", "min(ts)"), F("last_try", "time", "max(ts)")],
        "count(*) >= 3"),
    AggRule(
        "login_fail_sliding", ("sliding", 600), 600, """
CREATE RULE login_fail_sliding
WITH (severity = 'high', allowed_lateness = '10m')
AS SELECT sourceIPAddress, count(*) AS failures,
          count(DISTINCT userIdentity.userName) AS users,
          min(eventTime) AS first_try, max(eventTime) AS last_try,
          array_agg(DISTINCT userIdentity.userName) LIMIT 3 AS sample_users
   FROM cloudtrail
   WHERE eventName = 'ConsoleLogin' AND responseElements.ConsoleLogin = 'Failure'
   GROUP BY sourceIPAddress
   WINDOW SLIDING (10 MINUTES)
   HAVING count(*) >= 5""",
        LOGIN_FAILURES,
        [("sourceIPAddress", "sourceIPAddress", "g1")],
        [F("sourceIPAddress", "group", "g1"), F("failures", "count", "count(*)"),
         F("users", "count", "count(DISTINCT a_user)"),
         F("first_try", "time", "min(ts)"), F("last_try", "time", "max(ts)"),
         F("sample_users", "list", "a_user", 3)],
        "count(*) >= 5"),
    AggRule(
        "denied_hopping", ("hopping", 600, 120), 900, """
CREATE RULE denied_hopping
WITH (severity = 'medium', allowed_lateness = '15m')
AS SELECT userIdentity.userName, sourceIPAddress, count(*) AS denied,
          count(DISTINCT eventName) AS actions, max(eventTime) AS last_denied
   FROM cloudtrail
   WHERE errorCode = 'AccessDenied'
   GROUP BY userIdentity.userName, sourceIPAddress
   WINDOW HOPPING (SIZE 10 MINUTES, ADVANCE BY 2 MINUTES)
   HAVING count(*) >= 4 AND count(DISTINCT eventName) >= 2""",
        """
SELECT idx, ts, userIdentity.userName AS g1, sourceIPAddress AS g2, eventName AS a_action
FROM ct
WHERE errorCode = 'AccessDenied'""",
        [("userName", "userIdentity.userName", "g1"),
         ("sourceIPAddress", "sourceIPAddress", "g2")],
        [F("userName", "group", "g1"), F("sourceIPAddress", "group", "g2"),
         F("denied", "count", "count(*)"), F("actions", "count", "count(DISTINCT a_action)"),
         F("last_denied", "time", "max(ts)")],
        "count(*) >= 4 AND count(DISTINCT a_action) >= 2"),
    AggRule(
        "bucket_readers_tumbling", ("tumbling", 3600), 900, """
CREATE RULE bucket_readers_tumbling
WITH (severity = 'low', allowed_lateness = '900s')
AS SELECT requestParameters.bucketName, count(*) AS reads,
          count(DISTINCT sourceIPAddress) AS ips,
          array_agg(DISTINCT sourceIPAddress) LIMIT 4 AS sample_ips,
          count(DISTINCT requestParameters.key) AS keys,
          array_agg(DISTINCT requestParameters.key) LIMIT 5 AS sample_keys
   FROM cloudtrail
   WHERE eventName = 'GetObject'
   GROUP BY requestParameters.bucketName
   WINDOW TUMBLING (SIZE 1 HOUR)
   HAVING count(DISTINCT sourceIPAddress) >= 4""",
        f"""
SELECT idx, ts, requestParameters->>'bucketName' AS g1, sourceIPAddress AS a_ip,
       {KEY_JSON_TEXT} AS a_key
FROM ct
WHERE eventName = 'GetObject'""",
        [("bucketName", "requestParameters.bucketName", "g1")],
        [F("bucketName", "group", "g1"), F("reads", "count", "count(*)"),
         F("ips", "count", "count(DISTINCT a_ip)"), F("sample_ips", "list", "a_ip", 4),
         F("keys", "count", "count(DISTINCT a_key)"), F("sample_keys", "jlist", "a_key", 5)],
        "count(DISTINCT a_ip) >= 4"),
    AggRule(
        "denied_burst_sliding", ("sliding", 120), 3600, """
CREATE RULE denied_burst_sliding
WITH (severity = 'medium', allowed_lateness = '1h')
AS SELECT count(*) AS denied, count(DISTINCT userIdentity.userName) AS users,
          min(eventTime) AS first_denied, max(eventTime) AS last_denied,
          array_agg(DISTINCT eventName) LIMIT 2 AS sample_actions
   FROM cloudtrail
   WHERE errorCode = 'AccessDenied'
   WINDOW SLIDING (SIZE 2 MINUTES)
   HAVING count(*) >= 6""",
        """
SELECT idx, ts, userIdentity.userName AS a_user, eventName AS a_action
FROM ct
WHERE errorCode = 'AccessDenied'""",
        [],
        [F("denied", "count", "count(*)"), F("users", "count", "count(DISTINCT a_user)"),
         F("first_denied", "time", "min(ts)"), F("last_denied", "time", "max(ts)"),
         F("sample_actions", "list", "a_action", 2)],
        "count(*) >= 6"),
    AggRule(
        "region_activity_hopping", ("hopping", 1800, 600), 600, """
CREATE RULE region_activity_hopping
WITH (severity = 'info', allowed_lateness = '10m')
AS SELECT awsRegion, eventName, count(*) AS events, window_start, window_end,
          min(eventTime) AS first_event
   FROM cloudtrail
   WHERE eventSource IN ('s3.amazonaws.com', 'ec2.amazonaws.com')
   GROUP BY awsRegion, eventName
   WINDOW HOPPING (SIZE 30 MINUTES, ADVANCE BY 10 MINUTES)
   HAVING count(*) >= 15""",
        """
SELECT idx, ts, awsRegion AS g1, eventName AS g2
FROM ct
WHERE eventSource IN ('s3.amazonaws.com', 'ec2.amazonaws.com')""",
        [("awsRegion", "awsRegion", "g1"), ("eventName", "eventName", "g2")],
        [F("awsRegion", "group", "g1"), F("eventName", "group", "g2"),
         F("events", "count", "count(*)"), F("window_start", "wstart"),
         F("window_end", "wend"), F("first_event", "time", "min(ts)")],
        "count(*) >= 15"),
    AggRule(
        "logins_per_user_tumbling", ("tumbling", 1800), 600, """
CREATE RULE logins_per_user_tumbling
WITH (severity = 'info', allowed_lateness = '10m')
AS SELECT userIdentity.userName, count(*) AS logins,
          count(DISTINCT sourceIPAddress) AS ips,
          array_agg(DISTINCT responseElements.ConsoleLogin) LIMIT 2 AS results
   FROM cloudtrail
   WHERE eventName = 'ConsoleLogin'
   GROUP BY userIdentity.userName
   WINDOW TUMBLING (SIZE 30 MINUTES)""",
        """
SELECT idx, ts, userIdentity.userName AS g1, sourceIPAddress AS a_ip,
       responseElements->>'ConsoleLogin' AS a_result
FROM ct
WHERE eventName = 'ConsoleLogin'""",
        [("userName", "userIdentity.userName", "g1")],
        [F("userName", "group", "g1"), F("logins", "count", "count(*)"),
         F("ips", "count", "count(DISTINCT a_ip)"), F("results", "list", "a_result", 2)],
        None),
    AggRule(
        "ip_region_users_sliding", ("sliding", 300), 600, """
CREATE RULE ip_region_users_sliding
WITH (severity = 'medium', allowed_lateness = '10m')
AS SELECT sourceIPAddress, awsRegion, count(*) AS events,
          count(DISTINCT userIdentity.userName) AS users
   FROM cloudtrail
   WHERE eventName IN ('ConsoleLogin', 'GetObject', 'AssumeRole')
   GROUP BY sourceIPAddress, awsRegion
   WINDOW SLIDING (SIZE 5 MINUTES)
   HAVING count(DISTINCT userIdentity.userName) >= 3""",
        """
SELECT idx, ts, sourceIPAddress AS g1, awsRegion AS g2, userIdentity.userName AS a_user
FROM ct
WHERE eventName IN ('ConsoleLogin', 'GetObject', 'AssumeRole')""",
        [("sourceIPAddress", "sourceIPAddress", "g1"), ("awsRegion", "awsRegion", "g2")],
        [F("sourceIPAddress", "group", "g1"), F("awsRegion", "group", "g2"),
         F("events", "count", "count(*)"), F("users", "count", "count(DISTINCT a_user)")],
        "count(DISTINCT a_user) >= 3"),
    AggRule(
        "s3_volume_day_hopping", ("hopping", 86400, 21600), 7200, """
CREATE RULE s3_volume_day_hopping
WITH (severity = 'low', allowed_lateness = '2h')
AS SELECT count(*) AS objects, count(DISTINCT requestParameters.bucketName) AS buckets,
          min(eventTime) AS first_event, max(eventTime) AS last_event
   FROM cloudtrail
   WHERE eventSource = 's3.amazonaws.com'
   WINDOW HOPPING (SIZE 1 DAY, ADVANCE BY 6 HOURS)
   HAVING count(*) > 700""",
        """
SELECT idx, ts, requestParameters->>'bucketName' AS a_bucket
FROM ct
WHERE eventSource = 's3.amazonaws.com'""",
        [],
        [F("objects", "count", "count(*)"), F("buckets", "count", "count(DISTINCT a_bucket)"),
         F("first_event", "time", "min(ts)"), F("last_event", "time", "max(ts)")],
        "count(*) > 700"),
]

FS_LEARN = 7200
FIRST_SEEN_RULES = [
    FirstSeenRule(
        "new_login_pair", """
CREATE RULE new_login_pair
WITH (severity = 'medium')
AS SELECT userIdentity.userName, sourceIPAddress
   FROM cloudtrail
   WHERE eventName = 'ConsoleLogin' AND first_seen(userIdentity.userName, sourceIPAddress)""",
        """
SELECT idx, ts, eventID AS event_id, userIdentity.userName AS k, sourceIPAddress AS v,
       coalesce(eventName = 'ConsoleLogin', false) AS rest
FROM ct""",
        None),
    # first_seen sits before another condition: it is decided after the rest.
    FirstSeenRule(
        "new_bucket_reader", """
CREATE RULE new_bucket_reader
WITH (severity = 'low')
AS SELECT sourceIPAddress, requestParameters.bucketName
   FROM cloudtrail
   WHERE eventName = 'GetObject'
     AND first_seen(sourceIPAddress, requestParameters.bucketName, LEARN INTERVAL '2' HOUR)
     AND errorCode IS NULL""",
        """
SELECT idx, ts, eventID AS event_id, sourceIPAddress AS k,
       requestParameters->>'bucketName' AS v,
       coalesce(eventName = 'GetObject' AND errorCode IS NULL, false) AS rest
FROM ct""",
        FS_LEARN),
]

RULE_NAMES = [r.name for r in AGG_RULES] + [r.name for r in FIRST_SEEN_RULES]
# Plausible misreadings of the spec; the data must tell each from the spec.
MUTATIONS = {
    "tumbling": ["closed_left"],     # windows (start, end] instead of [start, end)
    "hopping": ["closed_left"],
    "sliding": ["exclusive_start",   # (t - L, t] instead of [t - L, t]
                "level_trigger",     # alert for every window where HAVING holds
                "edge_ignores_gap"],  # previous window counted even when t' < t - L
    "first_seen": ["null_is_value",      # NULL remembered and alerted like a value
                   "event_time_memory"],  # "seen before" in event time, not arrival order
    "first_seen_learn": ["remember_all",     # records failing the rest of WHERE remembered
                         "learn_exclusive",  # a record exactly at the end still learns
                         "learn_from_null"],  # learning starts at a record with a NULL argument
}


def rules_sql():
    parts = ["-- Generated by stateful_differential.py.\n"]
    for r in AGG_RULES + FIRST_SEEN_RULES:
        parts.append(r.trailhound + ";\n")
    return "\n".join(parts)


# ---------------------------------------------------------------------------
# Records.

IPS = ["203.0.113.10", "203.0.113.11", "198.51.100.7", "192.0.2.44", "2001:db8::5", "10.1.2.3"]
USERS = ["alice", "bob", "carol", "dave", "mallory"]
BUCKETS = ["acme-payroll", "acme-logs", "acme-public"]
REGIONS = ["us-east-1", "eu-west-1", "ap-south-1"]
KEYS = ["reports/q3.csv", "reports/q4.csv", "img/logo.png", "7", 7, "backup.tar", None]
S3_NAMES = ["GetObject", "GetObject", "PutObject", "ListBuckets"]
SOURCES = {"ConsoleLogin": "signin.amazonaws.com", "GetObject": "s3.amazonaws.com",
           "PutObject": "s3.amazonaws.com", "ListBuckets": "s3.amazonaws.com",
           "DescribeInstances": "ec2.amazonaws.com", "AssumeRole": "sts.amazonaws.com"}
OTHER_NAMES = ["GetObject", "PutObject", "ListBuckets", "DescribeInstances", "AssumeRole"]
ACCOUNT = "123456789012"


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def make_record(event_id, t, name, ip=MISSING, user=MISSING, region="us-east-1",
                bucket=MISSING, key=MISSING, login=None, error=None):
    """A CloudTrail-like record; MISSING leaves a field out, None writes null."""
    rec = {"eventVersion": "1.08"}
    if user is MISSING:
        rec["userIdentity"] = {"type": "AssumedRole", "principalId": "AROAEXAMPLE:session",
                               "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/Ops/session",
                               "accountId": ACCOUNT}
    else:
        rec["userIdentity"] = {"type": "IAMUser", "principalId": "AIDAEXAMPLE",
                               "arn": f"arn:aws:iam::{ACCOUNT}:user/{user}",
                               "accountId": ACCOUNT, "userName": user}
    rec["eventTime"] = iso(t)
    rec["eventSource"] = SOURCES[name]
    rec["eventName"] = name
    if region is not MISSING:
        rec["awsRegion"] = region
    if ip is not MISSING:
        rec["sourceIPAddress"] = ip
    rec["userAgent"] = "aws-cli/2.13.0 Python/3.11"
    if name == "ConsoleLogin":
        rec["requestParameters"] = None
        rec["responseElements"] = {"ConsoleLogin": login or "Success"}
        rec["additionalEventData"] = {"MFAUsed": "No", "LoginTo": "https://console.aws.amazon.com/"}
        if login == "Failure":
            rec["errorMessage"] = "Failed authentication"
    elif name in ("GetObject", "PutObject"):
        params = {"Host": "s3.amazonaws.com"}
        if bucket is not MISSING:
            params["bucketName"] = bucket
        if key is not MISSING:
            params["key"] = key
        rec["requestParameters"] = params
        rec["responseElements"] = None
    elif name == "ListBuckets":
        rec["requestParameters"] = {"Host": "s3.amazonaws.com"}
        rec["responseElements"] = None
    elif name == "AssumeRole":
        rec["requestParameters"] = {"roleArn": f"arn:aws:iam::{ACCOUNT}:role/Ops",
                                    "roleSessionName": "session"}
        rec["responseElements"] = {"assumedRoleUser": {"assumedRoleId": "AROAEXAMPLE:session"}}
    else:
        rec["requestParameters"] = {"instancesSet": {}, "filterSet": {}}
        rec["responseElements"] = None
    if error:
        rec["errorCode"] = error
        rec["errorMessage"] = "User is not authorized to perform this operation"
    rec["requestID"] = event_id[:8].upper()
    rec["eventID"] = event_id
    rec["readOnly"] = name not in ("PutObject",)
    rec["eventType"] = "AwsConsoleSignIn" if name == "ConsoleLogin" else "AwsApiCall"
    rec["managementEvent"] = name not in ("GetObject", "PutObject")
    rec["recipientAccountId"] = ACCOUNT
    return rec


class Generator:
    """Event times, then arrival order with bounded jitter."""

    GAPS = [0, 0, 0, 1, 2, 3, 5, 8, 13, 20, 30, 45, 60, 90, 120, 180, 300, 600]

    def __init__(self, seed, n):
        self.rng = random.Random(seed)
        self.n = n
        self.events = []  # (t, kwargs for make_record)
        self.fixed_jitter = {}  # event index -> its jitter (else random)
        scale = max(1.0, n / DEFAULT_RECORDS)
        h = 3600
        # Active periods (seconds after T0) with quiet gaps between them; the
        # scripted patterns go into the gaps, where nothing else happens.
        self.active = [(120, int(10 * h * scale)), (int(14 * h * scale), int(26 * h * scale)),
                       (int(30 * h * scale), int(36 * h * scale))]
        self.quiet = [(self.active[0][1] + 1800, self.active[1][0] - 1800),
                      (self.active[1][1] + 1800, self.active[2][0] - 1800)]

    # Random values; rare IPs make new first_seen pairs all along.
    def ip(self):
        x = self.rng.random()
        if x < 0.04:
            return MISSING
        if x < 0.05:
            return None
        if x < 0.09:
            return f"198.18.0.{self.rng.randint(1, 80)}"
        return self.rng.choice(IPS)

    def user(self):
        return MISSING if self.rng.random() < 0.05 else self.rng.choice(USERS)

    def region(self):
        x = self.rng.random()
        if x < 0.02:
            return MISSING
        return self.rng.choices(REGIONS, weights=[6, 3, 1])[0]

    def bucket(self):
        x = self.rng.random()
        if x < 0.05:
            return MISSING
        if x < 0.08:
            return None
        return self.rng.choice(BUCKETS)

    def key(self):
        return MISSING if self.rng.random() < 0.05 else self.rng.choice(KEYS)

    def start(self):
        lo, hi = self.rng.choice(self.active)
        t = self.rng.randint(lo, hi)
        if self.rng.random() < 0.35:
            step = self.rng.choice([60, 120, 300, 600, 1800, 3600])
            t = max(lo, t // step * step)
        return t

    def gaps(self, k, big=True):
        t = 0
        out = []
        for _ in range(k):
            out.append(t)
            t += self.rng.choice(self.GAPS if big else self.GAPS[:12])
        return out

    def add(self, t, **kw):
        self.events.append((t, kw))

    def other_event(self, t, name=None, **kw):
        name = name or self.rng.choice(OTHER_NAMES)
        kw.setdefault("ip", self.ip())
        kw.setdefault("user", self.user())
        kw.setdefault("region", self.region())
        if name in ("GetObject", "PutObject"):
            kw.setdefault("bucket", self.bucket())
            kw.setdefault("key", self.key())
        self.add(t, name=name, **kw)

    # Episodes.
    def background(self):
        t = self.start()
        if self.rng.random() < 0.3:
            self.add(t, name="ConsoleLogin", ip=self.ip(), user=self.user(), region=self.region(),
                     login="Failure" if self.rng.random() < 0.4 else "Success")
        else:
            self.other_event(t, error="AccessDenied" if self.rng.random() < 0.15 else None)

    def login_burst(self):
        t0 = self.start()
        ip = self.ip()
        users = self.rng.sample(USERS, self.rng.randint(1, 4)) + [MISSING]
        region = self.region()
        for dt in self.gaps(self.rng.randint(3, 12)):
            self.add(t0 + dt, name="ConsoleLogin", ip=ip, user=self.rng.choice(users),
                     region=region, login="Failure")
        if self.rng.random() < 0.3:
            self.add(t0 + dt + self.rng.randint(1, 60), name="ConsoleLogin", ip=ip,
                     user=users[0], region=region, login="Success")

    def denied_burst(self):
        t0 = self.start()
        ip, user = self.ip(), self.user()
        for dt in self.gaps(self.rng.randint(3, 9)):
            self.other_event(t0 + dt, ip=ip, user=user, error="AccessDenied")

    def bucket_burst(self):
        t0 = self.start()
        bucket = self.bucket()
        ips = [self.ip() for _ in range(self.rng.randint(1, 6))]
        for dt in self.gaps(self.rng.randint(4, 20)):
            self.other_event(t0 + dt, name="GetObject", bucket=bucket, ip=self.rng.choice(ips),
                             error="AccessDenied" if self.rng.random() < 0.1 else None)

    def region_burst(self):
        t0 = self.start()
        region = self.region()
        name = self.rng.choice(["GetObject", "PutObject", "ListBuckets", "DescribeInstances"])
        for _ in range(self.rng.randint(5, 25)):
            self.other_event(t0 + self.rng.randint(0, 1800), name=name, region=region)

    def users_from_ip_burst(self):
        t0 = self.start()
        ip, region = self.ip(), self.region()
        users = self.rng.sample(USERS, self.rng.randint(2, 4))
        for dt in self.gaps(self.rng.randint(3, 8)):
            name = self.rng.choice(["ConsoleLogin", "GetObject", "AssumeRole"])
            if name == "ConsoleLogin":
                self.add(t0 + dt, name=name, ip=ip, user=self.rng.choice(users), region=region,
                         login=self.rng.choice(["Success", "Failure"]))
            else:
                self.other_event(t0 + dt, name=name, ip=ip, user=self.rng.choice(users),
                                 region=region)

    # Scripted patterns for the sliding rules' edge cases, in the quiet gaps.
    def scripted(self):
        slots = []
        for lo, hi in self.quiet:
            t = (lo + 59) // 60 * 60
            while t + 900 < hi:
                slots.append(t)
                t += 900
        # Consecutive slots go to different rules, so that one rule's
        # patterns are at least 45 minutes apart and do not overlap.
        patterns = [self.p_login_inclusive, self.p_denied_inclusive, self.p_users_inclusive,
                    self.p_login_refire, self.p_denied_refire, self.p_users_refire,
                    self.p_login_edge, self.p_null_group, self.p_first_seen_order]
        for i, t in enumerate(slots):
            patterns[i % len(patterns)](t)

    def login_fail(self, t, ip, user=MISSING, region="us-east-1"):
        self.add(t, name="ConsoleLogin", ip=ip, user=user, region=region, login="Failure")

    def p_login_inclusive(self, t):  # 4 failures at t, one at t + 600: [t, t+600] holds 5
        ip = self.rng.choice(IPS)
        for _ in range(4):
            self.login_fail(t, ip, self.user())
        self.login_fail(t + 600, ip, self.user())

    def p_login_refire(self, t):  # 5 in t..t+4, then 5 at t+605: previous window too old
        ip = self.rng.choice(IPS)
        for i in range(5):
            self.login_fail(t + i, ip, self.user())
        for _ in range(5):
            self.login_fail(t + 605, ip, self.user())

    def p_login_edge(self, t):  # 8 within 3 minutes: one alert, then suppressed
        ip = self.rng.choice(IPS)
        for i in range(8):
            self.login_fail(t + 20 * i, ip, self.user())

    def denied(self, t, name=None, user=None, ip=None):
        self.other_event(t, name=name or self.rng.choice(OTHER_NAMES),
                         user=user or self.user(), ip=ip or self.ip(), error="AccessDenied")

    def p_denied_inclusive(self, t):  # 5 at t, 1 at t + 120 (no GROUP BY)
        for _ in range(5):
            self.denied(t)
        self.denied(t + 120)

    def p_denied_refire(self, t):  # 6 in t..t+5, 6 at t + 126
        for i in range(6):
            self.denied(t + i)
        for _ in range(6):
            self.denied(t + 126)

    def users_event(self, t, ip, region, user):
        self.other_event(t, name="AssumeRole", ip=ip, region=region, user=user)

    def p_users_inclusive(self, t):  # 3 users, the first exactly 300 s before the last
        ip, region = self.rng.choice(IPS), self.rng.choice(REGIONS)
        a, b, c = self.rng.sample(USERS, 3)
        self.users_event(t, ip, region, a)
        self.users_event(t + 300, ip, region, b)
        self.users_event(t + 300, ip, region, c)

    def p_users_refire(self, t):  # 3 users at t..t+2, 3 users at t + 303
        ip, region = self.rng.choice(IPS), self.rng.choice(REGIONS)
        for i, u in enumerate(self.rng.sample(USERS, 3)):
            self.users_event(t + i, ip, region, u)
        for u in self.rng.sample(USERS, 3):
            self.users_event(t + 303, ip, region, u)

    def p_null_group(self, t):  # failures without an IP: the NULL group alerts
        for i in range(6):
            self.login_fail(t + 30 * i, MISSING if i % 2 else None, self.user())

    def p_first_seen_order(self, t):
        """A new pair whose later record arrives first: memory follows arrival."""
        self.fresh = getattr(self, "fresh", 0) + 1
        ip = f"198.19.{self.fresh // 250}.{self.fresh % 250 + 1}"
        user = self.rng.choice(USERS)
        # Arrival keys: t + 60 for the later ones, t + 120 for the earlier ones.
        self.add(t + 60, name="GetObject", ip=ip, user=user, bucket="acme-public", key="k")
        self.add(t, name="GetObject", ip=ip, user=user, bucket="acme-public", key="k")
        self.fixed_jitter[len(self.events) - 1] = 120
        self.add(t + 60, name="ConsoleLogin", ip=ip, user=user, login="Success")
        self.add(t, name="ConsoleLogin", ip=ip, user=user, login="Success")
        self.fixed_jitter[len(self.events) - 1] = 120
        # A denied read of a new pair is not remembered: the next read alerts.
        self.add(t + 200, name="GetObject", ip=ip, user=user, bucket="acme-payroll", key="k",
                 error="AccessDenied")
        self.add(t + 230, name="GetObject", ip=ip, user=user, bucket="acme-payroll", key="k")

    def first_seen_learning(self):
        """The learning interval's start and end, in arrival order first.

        The first GetObject passing new_bucket_reader's other conditions has
        no bucket (NULL: not remembered, so learning does not start there);
        the second starts learning at T0 + 60, so it ends at T0 + 60 + LEARN.
        New pairs 30 s before the end (learning) and exactly at the end
        (alerts) decide the boundary. No record near the boundary is jittered,
        so arrival and event time agree there."""
        self.add(0, name="GetObject", ip="192.0.2.200", user="alice", bucket=MISSING, key="a")
        self.add(60, name="GetObject", ip="192.0.2.201", user="alice", bucket="acme-logs", key="a")
        self.unjittered = {0, 1}  # these two arrive first: every other record is at 120 s or later
        end = 60 + FS_LEARN
        self.add(end - 30, name="GetObject", ip="192.0.2.202", user="bob", bucket="acme-logs",
                 key="b")
        self.add(end, name="GetObject", ip="192.0.2.203", user="bob", bucket="acme-logs", key="b")
        self.no_jitter = (end - 60 - JITTER, end + JITTER)

    def generate(self):
        self.first_seen_learning()
        self.scripted()
        episodes = [(self.background, 40), (self.login_burst, 8), (self.denied_burst, 6),
                    (self.bucket_burst, 6), (self.region_burst, 3), (self.users_from_ip_burst, 5)]
        funcs = [e[0] for e in episodes]
        weights = [e[1] for e in episodes]
        while len(self.events) < self.n:
            self.rng.choices(funcs, weights=weights)[0]()
        # Arrival: sorted by event time plus a jitter in [0, JITTER) for about
        # a third of the records, so a record arrives after records up to
        # JITTER - 1 s later than itself and never later than that.
        keyed = []
        for seq, (t, kw) in enumerate(self.events):
            u = 0
            if seq in self.fixed_jitter:
                u = self.fixed_jitter[seq]
            elif (self.rng.random() < 0.35 and seq not in self.unjittered
                    and not self.no_jitter[0] <= t <= self.no_jitter[1]):
                u = self.rng.randrange(JITTER)
            keyed.append((t + u, seq, t, kw))
        keyed.sort(key=lambda x: (x[0], x[1]))
        records = []
        for _, _, t, kw in keyed:
            event_id = "%08x-%04x-%04x-%04x-%012x" % tuple(
                self.rng.getrandbits(b) for b in (32, 16, 16, 16, 48))
            records.append(make_record(event_id, T0 + t, **kw))
        return records


def write_records(records, path):
    with open(path, "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, separators=(",", ":")) + "\n")


def check_lateness(times):
    """Records that would be late for the rule with the smallest lateness."""
    late = []
    high = None
    for i, t in enumerate(times):
        if high is not None and t < high - MIN_LATENESS:
            late.append(i)
        high = t if high is None else max(high, t)
    return late


# ---------------------------------------------------------------------------
# The oracle.

def duck_connect(records_path):
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    columns = {
        "userIdentity": "STRUCT(type VARCHAR, userName VARCHAR, arn VARCHAR)",
        "eventTime": "TIMESTAMP",
        "eventSource": "VARCHAR",
        "eventName": "VARCHAR",
        "awsRegion": "VARCHAR",
        "sourceIPAddress": "VARCHAR",
        "requestParameters": "JSON",
        "responseElements": "JSON",
        "errorCode": "VARCHAR",
        "eventID": "VARCHAR",
    }
    spec = "{" + ", ".join(f"'{k}': '{v}'" for k, v in columns.items()) + "}"
    path = str(records_path).replace("'", "''")
    con.execute(f"""
        CREATE TABLE raw AS
        SELECT * FROM read_json('{path}', format = 'newline_delimited', columns = {spec})""")
    # idx: the record's position in the file (the table keeps the file's
    # order; main() checks it against the file); ts: eventTime in epoch s.
    con.execute("""
        CREATE VIEW ct AS
        SELECT rowid AS idx, CAST(epoch(eventTime) AS BIGINT) AS ts, * FROM raw""")
    return con


def fetch_dicts(con, sql, params=None):
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def window_query(rule, variant="spec"):
    g = [c for _, _, c in rule.groups]
    gsel = "".join(f"{c}, " for c in g)
    aggs = []
    for name, kind, expr, limit in rule.fields:
        if kind in ("count", "time"):
            aggs.append(f'{expr} AS "f_{name}"')
        elif kind in ("list", "jlist"):
            aggs.append(f'coalesce(list_sort(list_distinct(list({expr}))), [])[1:{limit}] '
                        f'AS "f_{name}"')
    aggs = "".join(a + ", " for a in aggs)
    having = rule.having or "true"
    size = rule.size
    if rule.kind in ("tumbling", "hopping"):
        # closed_left: windows (start, end] - the same as assigning ts - 1.
        at = "(ts - 1)" if variant == "closed_left" else "ts"
        adv = rule.advance or size
        starts = (f"range(({at} - {size}) // {adv} * {adv} + {adv}, "
                  f"{at} // {adv} * {adv} + 1, {adv})")
        return f"""
WITH r AS ({rule.rows}),
w AS (SELECT *, unnest({starts}) AS ws FROM r)
SELECT {gsel} ws, ws + {size} AS we, count(*) AS n_records, max(idx) AS last_idx,
       count(*) FILTER (WHERE ts = ws) AS at_start,
       {aggs} ({having}) AS h, ({having}) AS fire
FROM w GROUP BY {gsel} ws"""
    L = size
    gjoin = "".join(f"d.{c} IS NOT DISTINCT FROM r.{c} AND " for c in g)
    lower = f"r.ts > d.t - {L}" if variant == "exclusive_start" else f"r.ts >= d.t - {L}"
    part = f"PARTITION BY {', '.join(g)} " if g else ""
    if variant == "level_trigger":
        fire = "h"
    elif variant == "edge_ignores_gap":
        fire = "h AND NOT coalesce(prev_h, false)"
    else:
        fire = f"h AND NOT coalesce(prev_we >= we - {L} AND prev_h, false)"
    return f"""
WITH r AS ({rule.rows}),
d AS (SELECT DISTINCT {gsel} ts AS t FROM r),
w AS (SELECT d.t, r.* FROM d JOIN r ON {gjoin} {lower} AND r.ts <= d.t),
a AS (SELECT {gsel} t - {L} AS ws, t AS we, count(*) AS n_records,
             max(idx) FILTER (WHERE ts = t) AS last_idx,
             count(*) FILTER (WHERE ts = t - {L}) AS at_start,
             {aggs} ({having}) AS h
      FROM w GROUP BY {gsel} t),
e AS (SELECT *, lag(we) OVER ({part}ORDER BY we) AS prev_we,
                lag(h) OVER ({part}ORDER BY we) AS prev_h
      FROM a)
SELECT *, ({fire}) AS fire FROM e"""


def oracle_windows(con, rule, variant="spec"):
    """Every candidate window of a rule, with its SELECT values and whether it alerts."""
    out = []
    for row in fetch_dicts(con, window_query(rule, variant)):
        group = tuple(row[c] for _, _, c in rule.groups)
        fields = {}
        for name, kind, expr, limit in rule.fields:
            if kind == "group":
                fields[name] = row[expr]
            elif kind == "count":
                fields[name] = int(row[f"f_{name}"])
            elif kind == "time":
                fields[name] = int(row[f"f_{name}"])
            elif kind == "list":
                fields[name] = list(row[f"f_{name}"])
            elif kind == "jlist":
                fields[name] = [json.loads(x) for x in row[f"f_{name}"]]
            elif kind == "wstart":
                fields[name] = int(row["ws"])
            elif kind == "wend":
                fields[name] = int(row["we"])
        out.append({"group": group, "ws": int(row["ws"]), "we": int(row["we"]),
                    "fields": fields, "h": bool(row["h"]), "fire": bool(row["fire"]),
                    "last_idx": int(row["last_idx"]), "n": int(row["n_records"]),
                    "at_start": int(row["at_start"]),
                    "prev_we": row.get("prev_we"), "prev_h": row.get("prev_h")})
    return out


def first_seen_query(rule, variant="spec"):
    cand = "rest AND k IS NOT NULL AND v IS NOT NULL"
    remembered = cand
    if variant == "null_is_value":
        cand = remembered = "rest"
    elif variant == "remember_all":
        remembered = "k IS NOT NULL AND v IS NOT NULL"
    order = "ts, idx" if variant == "event_time_memory" else "idx"
    learn = ""
    if rule.learn is not None:
        start = "rest" if variant == "learn_from_null" else cand
        op = ">" if variant == "learn_exclusive" else ">="
        learn = (f"AND ts {op} (SELECT min_by(ts, idx) FROM r WHERE {start}) + {rule.learn}")
    return f"""
WITH r AS ({rule.rows}),
m AS (SELECT *, row_number() OVER (PARTITION BY k, v ORDER BY {order}) AS rn
      FROM r WHERE {remembered})
SELECT event_id, idx, ts, k, v FROM m
WHERE rn = 1 AND ({cand}) {learn}
ORDER BY idx"""


def oracle_first_seen(con, rule, variant="spec"):
    return fetch_dicts(con, first_seen_query(rule, variant))


def first_seen_candidates(con, rule):
    return con.execute(f"SELECT count(*) FROM ({rule.rows}) r "
                       "WHERE rest AND k IS NOT NULL AND v IS NOT NULL").fetchone()[0]


def window_key(group, ws, we):
    return (json.dumps(list(group)), ws, we)


def fired_set(windows):
    return {window_key(w["group"], w["ws"], w["we"]) + (json.dumps(w["fields"], sort_keys=True),)
            for w in windows if w["fire"]}


def mutation_kinds(rule):
    if isinstance(rule, AggRule):
        return MUTATIONS[rule.kind]
    return MUTATIONS["first_seen"] + (MUTATIONS["first_seen_learn"] if rule.learn else [])


class Oracle:
    """The DuckDB side for every rule, with the coverage that makes it non-vacuous."""

    def __init__(self, con):
        self.con = con
        self.windows = {}     # rule -> all candidate windows (spec)
        self.first_seen = {}  # rule -> alerting rows
        self.candidates = {}
        self.mutation_diffs = {}  # rule -> {mutation: size of the symmetric difference}
        for rule in AGG_RULES:
            ws = oracle_windows(con, rule)
            self.windows[rule.name] = ws
            self.candidates[rule.name] = len(ws)
            spec = fired_set(ws)
            self.mutation_diffs[rule.name] = {
                m: len(spec ^ fired_set(oracle_windows(con, rule, m))) for m in mutation_kinds(rule)}
        for rule in FIRST_SEEN_RULES:
            rows = oracle_first_seen(con, rule)
            self.first_seen[rule.name] = rows
            self.candidates[rule.name] = first_seen_candidates(con, rule)
            spec = {r["event_id"] for r in rows}
            self.mutation_diffs[rule.name] = {
                m: len(spec ^ {r["event_id"] for r in oracle_first_seen(con, rule, m)})
                for m in mutation_kinds(rule)}

    def fired(self, name):
        if name in self.windows:
            return [w for w in self.windows[name] if w["fire"]]
        return self.first_seen[name]

    def coverage_problems(self):
        """Why the oracle's results could not catch mistakes, if they could not."""
        problems = []
        null_fired = 0
        for rule in AGG_RULES:
            ws = self.windows[rule.name]
            fired = [w for w in ws if w["fire"]]
            if not fired:
                problems.append(f"{rule.name}: no window alerts")
            if rule.having and len(fired) == len(ws):
                problems.append(f"{rule.name}: every window alerts")
            if rule.groups:
                if not any(None in w["group"] for w in ws):
                    problems.append(f"{rule.name}: no window of a NULL group")
                null_fired += sum(1 for w in fired if None in w["group"])
            if not any(w["at_start"] for w in fired):
                problems.append(f"{rule.name}: no alerting window holds a record at its start")
            for m, d in self.mutation_diffs[rule.name].items():
                if d == 0:
                    problems.append(f"{rule.name}: the data cannot tell the spec from {m}")
        if null_fired == 0:
            problems.append("no NULL group alerts in any rule")
        for rule in FIRST_SEEN_RULES:
            n = len(self.first_seen[rule.name])
            if n == 0:
                problems.append(f"{rule.name}: no alerts")
            if n >= self.candidates[rule.name]:
                problems.append(f"{rule.name}: every candidate record alerts")
            for m, d in self.mutation_diffs[rule.name].items():
                if d == 0:
                    problems.append(f"{rule.name}: the data cannot tell the spec from {m}")
        return problems

    def print_counts(self):
        for rule in AGG_RULES:
            ws = self.windows[rule.name]
            fired = [w for w in ws if w["fire"]]
            extra = ""
            if rule.kind == "sliding":
                L = rule.size
                held = sum(1 for w in ws if w["h"])
                edge = sum(1 for w in ws if w["h"] and not w["fire"])
                refire = sum(1 for w in fired if w["prev_h"] and w["prev_we"] < w["we"] - L)
                extra = f", HAVING true {held}, held back by the edge {edge}, after a gap {refire}"
            nulls = sum(1 for w in fired if None in w["group"])
            muts = ", ".join(f"{m} {d}" for m, d in self.mutation_diffs[rule.name].items())
            print(f"{rule.name:26s} {rule.kind:8s} {len(fired):5d} alerts of {len(ws):5d} windows "
                  f"(NULL group {nulls}{extra}); mutations differ by: {muts}")
        for rule in FIRST_SEEN_RULES:
            muts = ", ".join(f"{m} {d}" for m, d in self.mutation_diffs[rule.name].items())
            print(f"{rule.name:26s} first_seen {len(self.first_seen[rule.name]):5d} alerts of "
                  f"{self.candidates[rule.name]:5d} candidate records; mutations differ by: {muts}")


# ---------------------------------------------------------------------------
# The oracle's self-check: a hand-made input and hand-computed answers.

A, B, C, D = "203.0.113.10", "203.0.113.11", "198.51.100.7", "192.0.2.44"


def self_check_records():
    """(id, seconds after T0, make_record arguments), in arrival order."""
    rows = []

    def add(rid, t, name, **kw):
        rows.append((rid, t, name, kw))

    def fail(rid, t, ip, user=MISSING):
        add(rid, t, "ConsoleLogin", ip=ip, user=user, login="Failure")

    fail("sc-09", 10, MISSING, "carol")        # NULL IP (absent)
    add("fs-01", 10, "GetObject", ip="10.0.0.5", user="alice", bucket=MISSING, key="x")
    fail("sc-10", 20, None, "carol")           # NULL IP (JSON null): the same group
    fail("sc-11", 30, MISSING)                 # NULL IP, no user
    add("fs-02", 50, "GetObject", ip="10.0.0.6", user="alice", bucket="acme-payroll", key="x")
    add("fs-03", 40, "GetObject", ip="10.0.0.11", user="alice", bucket="acme-payroll", key="y")
    fail("sc-01", 60, A, "alice")
    fail("sc-02", 120, A, "bob")
    fail("sc-06", 180, B, "bob")
    fail("sc-07", 180, B)
    fail("sc-08", 200, B, "dave")
    fail("sc-03", 299, A, "alice")
    add("sc-05", 240, "ConsoleLogin", ip=A, user="alice", login="Success")
    fail("sc-04", 300, A, "carol")
    # C: sliding windows of 600 s, HAVING count(*) >= 5.
    for i, t in enumerate([1000, 1100, 1200, 1300, 1400, 1500, 2100, 2200, 2210, 2220, 2230,
                           3000, 3000, 3000, 3000, 3600, 5000, 5001, 5002, 5003, 5004,
                           5605, 5606, 5607, 5608, 5609]):
        fail(f"c-{i:02d}", t, C)
    for i, (t, u) in enumerate([(7000, "alice"), (7001, "bob"), (7002, "alice"), (7003, "carol"),
                                (7004, MISSING)]):
        fail(f"c7-{i}", t, C, u)
    for i, u in enumerate(["mallory", "mallory", "dave", MISSING, MISSING]):
        fail(f"c76-{i}", 7605, C, u)
    # new_bucket_reader's learning: it starts at fs-02 (50 s; fs-01 has no
    # bucket, fs-03 arrives later), so it ends at 7250 s.
    add("fs-05", 7230, "GetObject", ip="10.0.0.9", user="bob", bucket="acme-payroll", key="x")
    add("fs-04", 7249, "GetObject", ip="10.0.0.7", user="bob", bucket="acme-logs", key="7")
    add("fs-06", 7250, "GetObject", ip="10.0.0.8", user="bob", bucket="acme-logs", key=7)
    add("fs-07", 7300, "GetObject", ip="10.0.0.6", user="bob", bucket="acme-logs", key="a.csv",
        error="AccessDenied")
    add("fs-08", 7400, "GetObject", ip="10.0.0.6", user="bob", bucket="acme-logs", key=None)
    add("fs-09", 7500, "GetObject", ip="10.0.0.7", user="bob", bucket="acme-logs")
    add("fs-10", 7700, "GetObject", ip="10.0.0.10", user="bob", bucket="acme-public", key="z")
    add("fs-11", 7650, "GetObject", ip="10.0.0.10", user="bob", bucket="acme-public", key="z")
    add("sc-x1", 9000, "ConsoleLogin", ip="192.0.2.99", user="bob", login="Success")
    add("sc-x2", 8950, "ConsoleLogin", ip="192.0.2.99", user="bob", login="Success")
    # dave@D: AccessDenied for denied_hopping (600 s / 120 s).
    add("h-1", 10000, "GetObject", ip=D, user="dave", bucket="acme-logs", key="k",
        error="AccessDenied")
    add("h-2", 10100, "PutObject", ip=D, user="dave", bucket="acme-logs", key="k",
        error="AccessDenied")
    add("h-3", 10200, "GetObject", ip=D, user="dave", bucket="acme-logs", key="k",
        error="AccessDenied")
    add("h-4", 10300, "ListBuckets", ip=D, user="dave", error="AccessDenied")
    # Six AccessDenied in six seconds for denied_burst_sliding (no GROUP BY).
    for i, (u, name) in enumerate([("alice", "GetObject"), ("bob", "PutObject"),
                                   (MISSING, "GetObject"), ("alice", "DescribeInstances"),
                                   ("carol", "GetObject"), ("bob", "PutObject")]):
        add(f"d-{i}", 20000 + i, name, ip=f"192.0.2.{100 + i}", user=u, bucket="acme-public",
            key="k", error="AccessDenied")
    return rows


def self_check_expectations():
    """Hand-computed results: (rule, group or ALL, {(ws, we): fields or None})."""
    exp = []
    # login_fail_tumbling (300 s, count >= 3).
    exp.append(("login_fail_tumbling", (A,), {
        (0, 300): {"sourceIPAddress": A, "failures": 3, "users": 2, "first_try": 60,
                   "last_try": 299}}))
    exp.append(("login_fail_tumbling", (B,), {
        (0, 300): {"sourceIPAddress": B, "failures": 3, "users": 2, "first_try": 180,
                   "last_try": 200}}))
    exp.append(("login_fail_tumbling", (None,), {
        (0, 300): {"sourceIPAddress": None, "failures": 3, "users": 1, "first_try": 10,
                   "last_try": 30}}))
    exp.append(("login_fail_tumbling", (C,), {
        (1200, 1500): None, (2100, 2400): None, (3000, 3300): None, (4800, 5100): None,
        (5400, 5700): None, (6900, 7200): None,
        (7500, 7800): {"sourceIPAddress": C, "failures": 5, "users": 2, "first_try": 7605,
                       "last_try": 7605}}))
    # login_fail_sliding (600 s, count >= 5): only C, seven bursts.
    exp.append(("login_fail_sliding", "ALL", {
        (800, 1400): {"sourceIPAddress": C, "failures": 5, "users": 0, "first_try": 1000,
                         "last_try": 1400, "sample_users": []},
        (1630, 2230): {"sourceIPAddress": C, "failures": 5, "users": 0, "first_try": 2100,
                       "last_try": 2230, "sample_users": []},
        (3000, 3600): {"sourceIPAddress": C, "failures": 5, "users": 0, "first_try": 3000,
                       "last_try": 3600, "sample_users": []},
        (4404, 5004): None,
        (5009, 5609): None,
        (6404, 7004): {"sourceIPAddress": C, "failures": 5, "users": 3, "first_try": 7000,
                       "last_try": 7004, "sample_users": ["alice", "bob", "carol"]},
        (7005, 7605): {"sourceIPAddress": C, "failures": 5, "users": 2, "first_try": 7605,
                       "last_try": 7605, "sample_users": ["dave", "mallory"]}}))
    # denied_hopping (600 s / 120 s; count >= 4 AND 2+ actions): dave@D only.
    dave = {"userName": "dave", "sourceIPAddress": D, "denied": 4, "actions": 3,
            "last_denied": 10300}
    exp.append(("denied_hopping", "ALL", {(9720, 10320): dave, (9840, 10440): dave,
                                          (9960, 10560): dave}))
    # bucket_readers_tumbling (1 h, 4+ IPs): acme-logs in [7200, 10800), with
    # fs-04..09 and h-1, h-3 (GetObject from D). Keys by JSON text: "7" < "a.csv" < "k" < 7.
    exp.append(("bucket_readers_tumbling", "ALL", {
        (7200, 10800): {"bucketName": "acme-logs", "reads": 7, "ips": 4,
                        "sample_ips": ["10.0.0.6", "10.0.0.7", "10.0.0.8", D],
                        "keys": 4, "sample_keys": ["7", "a.csv", "k", 7]}}))
    # denied_burst_sliding (120 s, no GROUP BY, count >= 6).
    exp.append(("denied_burst_sliding", "ALL", {
        (19885, 20005): {"denied": 6, "users": 3, "first_denied": 20000, "last_denied": 20005,
                         "sample_actions": ["DescribeInstances", "GetObject"]}}))
    # logins_per_user_tumbling (30 min, no HAVING).
    exp.append(("logins_per_user_tumbling", ("alice",), {
        (0, 1800): {"userName": "alice", "logins": 3, "ips": 1,
                    "results": ["Failure", "Success"]},
        (5400, 7200): {"userName": "alice", "logins": 2, "ips": 1, "results": ["Failure"]}}))
    exp.append(("logins_per_user_tumbling", (None,), {
        (0, 1800): {"userName": None, "logins": 8, "ips": 2, "results": ["Failure"]},
        (1800, 3600): None, (3600, 5400): None, (5400, 7200): None, (7200, 9000): None}))
    return exp


SELF_CHECK_FIRST_SEEN = {
    "new_login_pair": {"sc-01", "sc-02", "sc-06", "sc-08", "sc-04", "c7-0", "c7-1", "c7-3",
                       "c76-0", "c76-2", "sc-x1"},
    "new_bucket_reader": {"fs-06", "fs-08", "fs-10"},
}
# Mutations the hand-made input is built to expose, and how (rule: {mutation}).
SELF_CHECK_MUTATIONS = {
    "login_fail_sliding": ["exclusive_start", "level_trigger", "edge_ignores_gap"],
    "login_fail_tumbling": ["closed_left"],
    "new_login_pair": ["null_is_value", "event_time_memory"],
    "new_bucket_reader": ["remember_all", "learn_exclusive", "learn_from_null",
                          "event_time_memory"],
}


def self_check(workdir):
    """Runs the oracle on the hand-made input; returns a list of failures."""
    path = workdir / "self_check.ndjson"
    rows = self_check_records()
    write_records([make_record(rid, T0 + t, name, **kw) for rid, t, name, kw in rows], path)
    con = duck_connect(path)
    failures = []
    ids = [r[0] for r in con.execute("SELECT eventID FROM ct ORDER BY idx").fetchall()]
    if ids != [r[0] for r in rows]:
        failures.append("DuckDB's idx is not the file order")
    by_name = {r.name: r for r in AGG_RULES}
    for rule_name, group, expected in self_check_expectations():
        rule = by_name[rule_name]
        got = {}
        for w in oracle_windows(con, rule):
            if w["fire"] and (group == "ALL" or w["group"] == group):
                fields = dict(w["fields"])
                for name, kind, _, _ in rule.fields:
                    if kind in ("time", "wstart", "wend"):
                        fields[name] -= T0
                got[(w["ws"] - T0, w["we"] - T0)] = fields
        if set(got) != set(expected):
            failures.append(f"{rule_name} {group}: windows {sorted(got)}, "
                            f"expected {sorted(expected)}")
            continue
        for bounds, fields in expected.items():
            if fields is not None and got[bounds] != fields:
                failures.append(f"{rule_name} {group} {bounds}: {got[bounds]}, expected {fields}")
    for rule in FIRST_SEEN_RULES:
        got = {r["event_id"] for r in oracle_first_seen(con, rule)}
        if got != SELF_CHECK_FIRST_SEEN[rule.name]:
            failures.append(f"{rule.name}: {sorted(got)}, expected "
                            f"{sorted(SELF_CHECK_FIRST_SEEN[rule.name])}")
    all_rules = {r.name: r for r in AGG_RULES + FIRST_SEEN_RULES}
    for name, muts in SELF_CHECK_MUTATIONS.items():
        rule = all_rules[name]
        for m in muts:
            if isinstance(rule, AggRule):
                same = fired_set(oracle_windows(con, rule)) == fired_set(
                    oracle_windows(con, rule, m))
            else:
                same = ({r["event_id"] for r in oracle_first_seen(con, rule)}
                        == {r["event_id"] for r in oracle_first_seen(con, rule, m)})
            if same:
                failures.append(f"{name}: mutation {m} gives the same alerts on the self-check")
    late = check_lateness([T0 + t for _, t, _, _ in rows])
    if late:
        failures.append(f"self-check records late: {late}")
    return failures


# ---------------------------------------------------------------------------
# trailhound's side.

TIME_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d+)?"
                     r"(Z|[+-]\d{2}:?\d{2})?$")


def parse_time(v):
    """An alert's timestamp as epoch seconds (int when whole); other values unchanged."""
    if isinstance(v, str):
        m = TIME_RE.match(v.strip())
        if not m:
            return v
        y, mo, d, hh, mi, ss = (int(x) for x in m.groups()[:6])
        t = calendar.timegm((y, mo, d, hh, mi, ss))
        frac = float(m.group(7)) if m.group(7) else 0.0
        tz = m.group(8)
        if tz and tz != "Z":
            sign = 1 if tz[0] == "+" else -1
            tz = tz[1:].replace(":", "")
            t -= sign * (int(tz[:2]) * 3600 + int(tz[2:]) * 60)
        return t + frac if frac else t
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):  # epoch seconds or milliseconds
        t = v / 1000 if v > 1e11 else v
        return int(t) if t == int(t) else t
    return v


ABSENT = "<absent>"


def normalize_fields(rule, fields):
    if not isinstance(fields, dict):
        return {"<fields>": fields}
    out = {}
    for name, kind, _, _ in rule.fields:
        if name not in fields:
            out[name] = ABSENT
            continue
        v = fields[name]
        if kind == "count" and isinstance(v, float) and v == int(v):
            v = int(v)
        elif kind in ("time", "wstart", "wend"):
            v = parse_time(v)
        out[name] = v
    for name in fields:
        if name not in out:
            out[name] = fields[name]
    return out


def alert_group(rule, alert, problems):
    group = alert.get("group")
    if group is None and not rule.groups:
        return ()
    if not isinstance(group, dict):
        problems.append(f"group is not an object: {json.dumps(group)}")
        return (ABSENT,) * len(rule.groups)
    values = []
    known = set()
    for short, full, _ in rule.groups:
        for name in (short, full):
            if name in group:
                values.append(group[name])
                known.add(name)
                break
        else:
            values.append(ABSENT)
            problems.append(f"group lacks '{short}': {json.dumps(group)}")
    extra = set(group) - known
    if extra:
        problems.append(f"group has keys the GROUP BY does not name: {sorted(extra)}")
    return tuple(values)


def read_alerts(path):
    alerts = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                try:
                    alerts.append(json.loads(line))
                except json.JSONDecodeError as e:
                    raise SystemExit(f"stateful_differential: alert line {n} is not JSON ({e}): "
                                     f"{line[:300]}")
    return alerts


def run(cmd, **kwargs):
    started = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, timeout=600, **kwargs)
    return proc, time.monotonic() - started


def describe_exit(code):
    return f"on signal {-code}" if code < 0 else f"with status {code}"


# ---------------------------------------------------------------------------
# Comparison and reproductions.

class Comparison:
    def __init__(self, args, con, oracle, lines, idx_of_id, workdir):
        self.args = args
        self.con = con
        self.oracle = oracle
        self.lines = lines
        self.idx_of_id = idx_of_id
        self.workdir = workdir
        self.repro_dir = workdir / "repro"
        self.repro_n = 0
        self.failures = 0
        times = [r[0] for r in con.execute("SELECT ts FROM ct ORDER BY idx").fetchall()]
        self.high = []  # stream time after each record
        h = None
        for t in times:
            h = t if h is None else max(h, t)
            self.high.append(h)

    def close_index(self, rule, w):
        """Index of the record whose watermark closes the window (len = end of run)."""
        if rule.kind == "sliding":  # closes when the watermark passes t
            return bisect.bisect_right(self.high, w["we"] + rule.lateness)
        return bisect.bisect_left(self.high, w["we"] + rule.lateness)  # reaches end

    def repro(self, rule, idxs, note):
        """Writes the records (in arrival order) and prints how to replay them."""
        self.repro_dir.mkdir(parents=True, exist_ok=True)
        self.repro_n += 1
        path = self.repro_dir / f"{rule.name}-{self.repro_n}.ndjson"
        rules_path = self.repro_dir / f"{rule.name}.sql"
        rules_path.write_text(rule.trailhound + ";\n")
        with open(path, "w", encoding="utf-8") as f:
            for i in idxs:
                f.write(self.lines[i] + "\n")
        print(f"      {note}: {len(idxs)} records (arrival order, [idx] eventTime ...):")
        for i in idxs[:14]:
            rec = json.loads(self.lines[i])
            print(f"        [{i}] {brief(rec)}")
        if len(idxs) > 14:
            print(f"        … {len(idxs) - 14} more")
        print(f"      replay: {self.args.trailhound} run --rules {rules_path} --threads 1 {path}")

    def group_records(self, rule, group, lo, hi):
        cond = "".join(f" AND {c} IS NOT DISTINCT FROM ?" for _, _, c in rule.groups)
        sql = f"SELECT idx FROM ({rule.rows}) r WHERE ts BETWEEN ? AND ?{cond} ORDER BY idx"
        params = [lo, hi] + [None if v == ABSENT else v for v in group]
        try:
            return [r[0] for r in self.con.execute(sql, params).fetchall()]
        except duckdb.Error:
            return []

    def window_repro(self, rule, group, ws, we, note):
        # A tumbling/hopping window depends on its own records; a sliding one
        # also on the previous window (back to t - 2L).
        lo = ws - rule.size if rule.kind == "sliding" else ws
        hi = we if rule.kind == "sliding" else we - 1
        if not all(isinstance(x, (int, float)) for x in (ws, we)):
            return
        self.repro(rule, self.group_records(rule, group, lo, hi), note)

    def compare_windows(self, rule, alerts):
        problems = []
        expected = {window_key(w["group"], w["ws"], w["we"]): w for w in self.oracle.fired(rule.name)}
        got = collections.defaultdict(list)
        for pos, a in alerts:
            p = []
            win = a.get("window")
            if not isinstance(win, dict):
                problems.append(f"alert without a window: {json.dumps(a)[:300]}")
                continue
            ws, we = parse_time(win.get("start")), parse_time(win.get("end"))
            if str(win.get("type", "")).lower() != rule.kind:
                p.append(f"window.type {win.get('type')!r}, expected {rule.kind!r}")
            if a.get("eventID") is not None:  # "no eventID": absent or null
                p.append(f"has an eventID ({a['eventID']})")
            if parse_time(a.get("eventTime")) != we:
                p.append(f"eventTime {a.get('eventTime')!r} is not the window end {win.get('end')!r}")
            group = alert_group(rule, a, p)
            key = window_key(group, ws, we)
            got[key].append((pos, a, normalize_fields(rule, a.get("fields")), p))
        only_th = [k for k in got if k not in expected]
        only_dk = [k for k in expected if k not in got]
        differ, dupes, fmt, src = [], [], [], []
        for k, items in got.items():
            if len(items) > 1:
                dupes.append(k)
            if k not in expected:
                continue
            w = expected[k]
            pos, a, fields, p = items[0]
            if fields != w["fields"]:
                differ.append(k)
            if p:
                fmt.append((k, p))
            source = a.get("source") if isinstance(a.get("source"), dict) else {}
            if source.get("record") != w["last_idx"]:
                src.append((k, source.get("record"), w["last_idx"]))
        ok = not (only_th or only_dk or differ or dupes or fmt or src or problems)
        n_th = sum(len(v) for v in got.values())
        windowless = len(alerts) - n_th
        if ok:
            print(f"ok   {rule.name:26s} {len(expected):5d} window alerts")
            return
        self.failures += 1
        print(f"FAIL {rule.name:26s} trailhound {n_th} / DuckDB {len(expected)} window alerts"
              + (f" (and {windowless} trailhound alerts without a window)" if windowless else "")
              + f": {len(only_th)} only trailhound, {len(only_dk)} only DuckDB, {len(differ)} values "
              f"differ, {len(dupes)} repeated, {len(fmt)} malformed, {len(src)} wrong source")
        print("  rule: " + " ".join(rule.trailhound.split()))
        for msg in problems[:3]:
            print("  " + msg)
        show = self.args.show

        def label(k):
            g, ws, we = k
            return f"group {g} window [{fmt_t(ws)}, {fmt_t(we)}{']' if rule.kind == 'sliding' else ')'}"

        for k in sorted(only_dk, key=str)[:show]:
            w = expected[k]
            print(f"  only DuckDB: {label(k)} fields {fmt_fields(w['fields'])}")
            if rule.kind == "sliding":
                print(f"      HAVING true; previous distinct time "
                      f"{fmt_t(w['prev_we']) if w['prev_we'] is not None else 'none'} "
                      f"(HAVING {w['prev_h']})")
            self.window_repro(rule, json.loads(k[0]), k[1], k[2], "the group's records"
                              + (" back to t - 2L" if rule.kind == "sliding" else ""))
        for k in sorted(only_th, key=str)[:show]:
            pos, a, fields, _ = got[k][0]
            cand = next((w for w in self.oracle.windows[rule.name]
                         if window_key(w["group"], w["ws"], w["we"]) == k), None)
            why = ("not a window of this group in DuckDB" if cand is None else
                   f"DuckDB: HAVING {cand['h']}, fields {fmt_fields(cand['fields'])}"
                   + (f", previous distinct time {fmt_t(cand['prev_we'])} HAVING {cand['prev_h']}"
                      if rule.kind == 'sliding' and cand['prev_we'] is not None else ""))
            print(f"  only trailhound: {label(k)} fields {fmt_fields(fields)} (alert line {pos + 1})")
            print(f"      {why}")
            self.window_repro(rule, json.loads(k[0]), k[1], k[2], "the group's records"
                              + (" back to t - 2L" if rule.kind == "sliding" else ""))
        for k in sorted(differ, key=str)[:show]:
            w = expected[k]
            fields = got[k][0][2]
            diffs = [f"{n}: trailhound {fmt_v(fields.get(n, ABSENT))} / DuckDB {fmt_v(v)}"
                     for n, v in w["fields"].items() if fields.get(n, ABSENT) != v]
            diffs += [f"{n}: trailhound {fmt_v(v)} / DuckDB (not selected)"
                      for n, v in fields.items() if n not in w["fields"]]
            print(f"  values differ: {label(k)}: " + "; ".join(diffs))
            self.window_repro(rule, json.loads(k[0]), k[1], k[2],
                              "the group's records back to t - 2L" if rule.kind == "sliding"
                              else "the window's records")
        for k in sorted(dupes, key=str)[:show]:
            print(f"  repeated: {label(k)} alerted {len(got[k])} times "
                  f"(alert lines {[p + 1 for p, *_ in got[k]]})")
        for k, p in fmt[:show]:
            print(f"  malformed: {label(k)}: " + "; ".join(p))
        for k, have, want in src[:show]:
            print(f"  source.record: {label(k)}: {have}, expected {want} (the window's last "
                  f"record in arrival order)")
            self.window_repro(rule, json.loads(k[0]), k[1], k[2], "the group's records"
                              + (" back to t - 2L" if rule.kind == "sliding" else ""))

    def compare_first_seen(self, rule, alerts):
        expected = {r["event_id"]: r for r in self.oracle.fired(rule.name)}
        got = collections.Counter(a.get("eventID") for _, a in alerts)
        only_th = sorted(set(got) - set(expected), key=lambda e: self.idx_of_id.get(e, -1))
        only_dk = sorted(set(expected) - set(got), key=lambda e: self.idx_of_id.get(e, -1))
        dupes = [e for e, c in got.items() if c > 1]
        if not (only_th or only_dk or dupes):
            print(f"ok   {rule.name:26s} {len(expected):5d} record alerts")
            return
        self.failures += 1
        print(f"FAIL {rule.name:26s} trailhound {sum(got.values())} / DuckDB {len(expected)} "
              f"record alerts: {len(only_th)} only trailhound, {len(only_dk)} only DuckDB, "
              f"{len(dupes)} repeated")
        print("  rule: " + " ".join(rule.trailhound.split()))
        learn = ""
        if rule.learn is not None:
            start = self.con.execute(
                f"SELECT min_by(idx, idx), min_by(ts, idx) FROM ({rule.rows}) r "
                "WHERE rest AND k IS NOT NULL AND v IS NOT NULL").fetchone()
            learn = (f"learning starts at record [{start[0]}] ({fmt_t(start[1])}) and ends at "
                     f"{fmt_t(start[1] + rule.learn)}")
            print("  DuckDB: " + learn)
        for label, ids in (("only trailhound", only_th), ("only DuckDB", only_dk)):
            for e in ids[:self.args.show]:
                i = self.idx_of_id.get(e)
                print(f"  {label}: {e} [{i}]")
                if i is None:
                    continue
                # The record and every earlier candidate of its (key, value).
                rows = self.con.execute(
                    f"SELECT r.idx FROM ({rule.rows}) r, ({rule.rows}) x WHERE x.idx = ? "
                    "AND r.idx <= x.idx AND r.k IS NOT DISTINCT FROM x.k "
                    "AND r.v IS NOT DISTINCT FROM x.v ORDER BY r.idx", [i]).fetchall()
                idxs = [r[0] for r in rows]
                if rule.learn is not None and start[0] not in idxs:
                    idxs = sorted(idxs + [start[0]])
                self.repro(rule, idxs, "the record and the earlier ones of its pair"
                           + (" (and the first remembered record)" if rule.learn else ""))
        for e in dupes[:self.args.show]:
            print(f"  repeated: {e} alerted {got[e]} times")

    def compare_order(self, alerts_in_order):
        """Alerts come out after the record that closed their window, by end then start."""
        fired = {}
        for rule in AGG_RULES:
            for w in self.oracle.fired(rule.name):
                fired[(rule.name,) + window_key(w["group"], w["ws"], w["we"])] = (rule, w)
        rules = {r.name: r for r in AGG_RULES}
        keys = []
        for pos, a in alerts_in_order:
            name = a.get("rule")
            if name in rules and isinstance(a.get("window"), dict):
                rule = rules[name]
                win = a["window"]
                group = alert_group(rule, a, [])
                k = (name,) + window_key(group, parse_time(win.get("start")),
                                          parse_time(win.get("end")))
                if k not in fired:
                    continue
                _, w = fired[k]
                keys.append(((self.close_index(rule, w), 1, w["we"], w["ws"]), pos, a))
            elif "eventID" in a and a.get("eventID") in self.idx_of_id:
                keys.append(((self.idx_of_id[a["eventID"]], 0, 0, 0), pos, a))
        bad = [(keys[i - 1], keys[i]) for i in range(1, len(keys)) if keys[i][0] < keys[i - 1][0]]
        if not bad:
            print(f"ok   {'alert order':26s} {len(keys):5d} alerts in the README's order")
            return
        self.failures += 1
        print(f"FAIL alert order: {len(bad)} alerts come before one they should follow "
              "(key: index of the record that closes the window, then record alerts before "
              "window alerts, then window end, then start)")
        for (k1, p1, a1), (k2, p2, a2) in bad[:self.args.show]:
            print(f"  line {p1 + 1} {a1.get('rule')} {fmt_order(k1)}")
            print(f"  line {p2 + 1} {a2.get('rule')} {fmt_order(k2)}")


def fmt_order(k):
    idx, kind, we, ws = k
    if kind == 0:
        return f"record alert of record {idx}"
    return f"window [{fmt_t(ws)}, {fmt_t(we)}] closed by record {idx}"


def fmt_t(t):
    if isinstance(t, bool) or not isinstance(t, (int, float)):
        return repr(t)
    return iso(int(t)) + (f"+{t - int(t):.3f}" if t != int(t) else "")


def fmt_v(v):
    return json.dumps(v)


def fmt_fields(fields):
    return json.dumps(fields)


def brief(rec):
    ui = rec.get("userIdentity") or {}
    rp = rec.get("requestParameters") or {}
    parts = [rec.get("eventTime"), rec.get("eventName"),
             f"ip={json.dumps(rec.get('sourceIPAddress', ABSENT))}",
             f"user={json.dumps(ui.get('userName', ABSENT))}",
             f"region={json.dumps(rec.get('awsRegion', ABSENT))}"]
    if isinstance(rp, dict) and ("bucketName" in rp or "key" in rp):
        parts.append(f"bucket={json.dumps(rp.get('bucketName', ABSENT))}")
        parts.append(f"key={json.dumps(rp.get('key', ABSENT))}")
    if "responseElements" in rec and isinstance(rec["responseElements"], dict) \
            and "ConsoleLogin" in rec["responseElements"]:
        parts.append(rec["responseElements"]["ConsoleLogin"])
    if rec.get("errorCode"):
        parts.append(rec["errorCode"])
    parts.append(rec.get("eventID", ""))
    return " ".join(str(p) for p in parts)


# ---------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--trailhound", help="path of the trailhound executable")
    ap.add_argument("--workdir", default="stateful-differential-work",
                    help="scratch directory (rules, records, alerts, reproductions)")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED, help="generator seed")
    ap.add_argument("--records", type=int, default=DEFAULT_RECORDS, metavar="N",
                    help=f"how many records to generate (default {DEFAULT_RECORDS})")
    ap.add_argument("--input", help="use this NDJSON file instead of generating records "
                    "(for replaying a reproduction; coverage is then not required)")
    ap.add_argument("--show", type=int, default=3, help="mismatches shown per kind and rule")
    ap.add_argument("--duckdb-only", action="store_true",
                    help="only run the DuckDB side and print per-rule counts")
    ap.add_argument("--self-check", action="store_true",
                    help="only check the DuckDB side against hand-computed results")
    args = ap.parse_args()
    if not (args.duckdb_only or args.self_check) and not args.trailhound:
        ap.error("--trailhound is required unless --duckdb-only or --self-check")

    started = time.monotonic()
    workdir = pathlib.Path(args.workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)

    failures = self_check(workdir)
    if failures:
        print("FAIL: the DuckDB oracle disagrees with the hand-computed self-check:")
        for f in failures:
            print("  " + f)
        return 1
    print(f"ok   oracle self-check ({workdir / 'self_check.ndjson'})")
    if args.self_check:
        return 0

    rules_path = workdir / "rules.sql"
    rules_path.write_text(rules_sql())
    if args.input:
        records_path = pathlib.Path(args.input).resolve()
    else:
        records = Generator(args.seed, args.records).generate()
        records_path = workdir / "records.ndjson"
        write_records(records, records_path)

    if args.duckdb_only:
        return differential(args, workdir / "main", rules_path, records_path,
                            require_coverage=not args.input)

    proc, _ = run([args.trailhound, "check", str(rules_path)])
    if proc.returncode != 0:
        print(f"FAIL: `trailhound check {rules_path}` exited {describe_exit(proc.returncode)}:\n"
              + proc.stdout.decode(errors="replace") + proc.stderr.decode(errors="replace"))
        return 1
    failed = 0
    if not args.input:
        # The hand-made input first: its expected alerts are the hand-computed
        # ones above, and its reproductions are short.
        print(f"-- the hand-made input ({workdir / 'self_check.ndjson'})")
        failed += differential(args, workdir / "self_check", rules_path,
                               workdir / "self_check.ndjson", require_coverage=False)
    print(f"-- {'generated records' if not args.input else 'the input'} ({records_path})")
    failed += differential(args, workdir / "main", rules_path, records_path,
                           require_coverage=not args.input)
    print(f"total {time.monotonic() - started:.1f} s: " + ("PASS" if not failed else "FAILED"))
    return 1 if failed else 0


def differential(args, workdir, rules_path, records_path, require_coverage):
    """The oracle (and unless --duckdb-only trailhound) over one records file; 1 on failure."""
    workdir.mkdir(parents=True, exist_ok=True)
    lines = [l.rstrip("\n") for l in open(records_path, encoding="utf-8") if l.strip()]
    idx_of_id = {}
    for i, line in enumerate(lines):
        event_id = json.loads(line).get("eventID")
        if event_id in idx_of_id:
            print(f"FAIL: duplicate eventID {event_id} in {records_path}")
            return 1
        idx_of_id[event_id] = i

    con = duck_connect(records_path)
    ids = [r[0] for r in con.execute("SELECT eventID FROM ct ORDER BY idx").fetchall()]
    if ids != [json.loads(l).get("eventID") for l in lines]:
        print("FAIL: DuckDB did not load the records in file order")
        return 1
    nulls = con.execute("SELECT count(*) FROM ct WHERE ts IS NULL").fetchone()[0]
    if nulls:
        print(f"FAIL: {nulls} records without an eventTime (the oracle does not model "
              "missing_eventTime)")
        return 1
    times = [r[0] for r in con.execute("SELECT ts FROM ct ORDER BY idx").fetchall()]
    late = check_lateness(times)
    if late:
        print(f"FAIL: {len(late)} records are later than {MIN_LATENESS} s behind stream time "
              f"(first: record {late[0]}); the oracle does not model late records")
        return 1

    oracle = Oracle(con)
    coverage = oracle.coverage_problems() if require_coverage else []
    if args.duckdb_only:
        print(f"{len(lines)} records, {records_path}; rules in {rules_path}")
        oracle.print_counts()
        for p in coverage:
            print("VACUOUS " + p)
        return 1 if coverage else 0

    alerts_path = workdir / "alerts.ndjson"
    dead_path = workdir / "dl.ndjson"
    for p in (alerts_path, dead_path):
        if p.exists():
            p.unlink()
    proc, seconds = run([args.trailhound, "run", "--rules", str(rules_path), "--threads", "1",
                         "--output", str(alerts_path), "--dead-letter", str(dead_path),
                         str(records_path)])
    if proc.returncode != 0:
        print(f"FAIL: `trailhound run` exited {describe_exit(proc.returncode)}:\n"
              + proc.stderr.decode(errors="replace"))
        return 1
    summary = proc.stderr.decode(errors="replace").strip().splitlines()

    cmp = Comparison(args, con, oracle, lines, idx_of_id, workdir)
    if dead_path.exists() and dead_path.stat().st_size > 0:
        dead = dead_path.read_text().splitlines()
        reasons = collections.Counter(json.loads(d).get("reason") for d in dead if d.strip())
        print(f"FAIL: trailhound dead-lettered {len(dead)} records ({dict(reasons)}); "
              f"none is late or malformed:")
        for d in dead[:args.show]:
            print("  " + d[:500])
        cmp.failures += 1

    alerts = read_alerts(alerts_path) if alerts_path.exists() else []
    by_rule = collections.defaultdict(list)
    ids = collections.Counter()
    for pos, a in enumerate(alerts):
        by_rule[a.get("rule")].append((pos, a))
        ids[a.get("alert_id")] += 1
    unknown = sorted(set(by_rule) - set(RULE_NAMES), key=str)
    if unknown:
        print(f"FAIL: alerts from rules this test did not write: {unknown}")
        cmp.failures += 1
    repeated = [i for i, c in ids.items() if c > 1]
    if repeated or None in ids:
        print(f"FAIL: alert_id missing or repeated: {repeated[:5]}"
              + (f" ({ids[None]} alerts without one)" if None in ids else ""))
        cmp.failures += 1

    for rule in AGG_RULES:
        cmp.compare_windows(rule, by_rule.get(rule.name, []))
    for rule in FIRST_SEEN_RULES:
        cmp.compare_first_seen(rule, by_rule.get(rule.name, []))
    cmp.compare_order(list(enumerate(alerts)))
    if require_coverage:
        for rule_name in RULE_NAMES:
            if not by_rule.get(rule_name):
                print(f"FAIL {rule_name}: trailhound produced no alerts (vacuous)")
                cmp.failures += 1
        for p in coverage:
            print("FAIL (vacuous data) " + p)
        cmp.failures += len(coverage)

    if summary:
        print(summary[-1])
    print(f"{len(RULE_NAMES)} stateful rules over {len(lines)} records"
          + (f" (seed {args.seed})" if require_coverage else "")
          + f", trailhound run {seconds:.2f} s: "
          + ("PASS" if cmp.failures == 0 else f"{cmp.failures} FAILED"))
    return 0 if cmp.failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
