#!/usr/bin/env python3
"""Stateful rules across restarts, with files (README "Stateful rules" ->
"State", "Streaming" -> "Files delivered over time").

  stateful_restart_test.py TRAILHOUND

One input (`trailhound gen`, eventTime ascending) split into six files, and a
rule set with one rule of each stateful kind (SLIDING, TUMBLING and HOPPING
windows with HAVING, first_seen with a LEARN INTERVAL, suppression) plus a
stateless rule. Expected results come from runs nobody interrupts, never
from numbers written down here:

- the reference: one uninterrupted `run --checkpoint --state-dir` over the
  six files (fresh state: windows still open at the end stay open and are not
  emitted, as in every --state-dir run below);
- the reference itself is checked against a plain run (no --state-dir: every
  window closes at the end), which in turn is checked against an oracle in
  this file that recomputes every rule over the records from the README's
  definitions; the plain run minus the reference must be exactly the windows
  and suppression periods still open at the end.

Scenarios:
  A1  kill -9 of a `--checkpoint --state-dir` batch run after it saved its
      state in the middle of a file and delivered alerts past that point,
      then a restart to the end;
  A2  the same with `--follow`: files renamed into a watched folder one by
      one, kill -9 while a file is being read, a restart that gets the rest,
      SIGTERM once quiet.
      For both: every alert_id of the reference is delivered before or after
      the kill, none other; duplicates (same alert_id twice) are counted and
      reported, and every delivered alert, duplicates included, is the same
      JSON as the reference's (a window counted twice or half would keep its
      alert_id but change its counts).
  B   the state directory carries windows across runs: the input split in
      three, run one after the other with one --state-dir (the second part
      run twice: the repeat adds no stateful alert and changes nothing for the
      third) gives exactly the alerts of one --state-dir run over the whole.
  C   a corrupt state file (garbage, empty, wrong magic, truncated at various
      points, trailing bytes): exit 2 naming the file, never a crash, the file
      left alone, nothing delivered.
  D   after a followed folder goes quiet, the checkpoint lists the files
      read (and the state holds them) without waiting for another file.
  E   a file named another way (absolute instead of relative) is the same
      input: its records, applied already, are not applied again.
  D and E were engine bugs found while writing this test (now fixed).

Every run has 100 never-matching ballast rules that the compiled engine
hands to the reference interpreter, so that reading takes a few seconds and
can be killed mid-file (B and C leave them out). TH_CRASH_SEED=N repeats a run's
kill points. Every wait polls for something observable with a deadline.
"""
import bisect
import collections
import datetime
import functools
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

TRAILHOUND = None
DEADLINE = 60  # seconds for any one thing we wait for; never reached when all is well

RECORDS = 48000
FILES = 6
PER_FILE = RECORDS // FILES
DATA_SEED = 11
BALLAST_RULES = 100

STATEFUL_RULES = """\
-- stateless
CREATE RULE object_deleted WITH (severity = 'low')
AS SELECT eventName, requestParameters.bucketName, sourceIPAddress FROM cloudtrail
   WHERE eventName = 'DeleteObject';

CREATE RULE ip_s3_burst WITH (severity = 'medium')
AS SELECT sourceIPAddress, count(*) AS calls, count(DISTINCT eventName) AS names,
          min(eventTime) AS first_call, max(eventTime) AS last_call,
          array_agg(DISTINCT eventName) LIMIT 3 AS sample
   FROM cloudtrail WHERE eventSource = 's3.amazonaws.com'
   GROUP BY sourceIPAddress
   WINDOW SLIDING (10 MINUTES)
   HAVING count(*) >= 6;

CREATE RULE principal_busy_hour WITH (severity = 'low')
AS SELECT userIdentity.arn, count(*) AS calls, count(DISTINCT sourceIPAddress) AS ips
   FROM cloudtrail WHERE userIdentity.type = 'IAMUser'
   GROUP BY userIdentity.arn
   WINDOW TUMBLING (SIZE 1 HOUR)
   HAVING count(*) >= 20;

CREATE RULE region_write_spree WITH (severity = 'low', allowed_lateness = '2m')
AS SELECT awsRegion, count(*) AS writes, window_start, window_end
   FROM cloudtrail WHERE readOnly = false
   GROUP BY awsRegion
   WINDOW HOPPING (SIZE 30 MINUTES, ADVANCE BY 10 MINUTES)
   HAVING count(*) >= 12;

CREATE RULE principal_new_api WITH (severity = 'medium')
AS SELECT userIdentity.arn, eventName FROM cloudtrail
   WHERE userIdentity.type IN ('IAMUser', 'AssumedRole')
     AND first_seen(userIdentity.arn, eventName, LEARN INTERVAL '12' HOUR);

CREATE RULE role_assumed_quietly
WITH (severity = 'low', suppress_by = 'userIdentity.arn', suppress_for = '2h')
AS SELECT eventName, sourceIPAddress FROM cloudtrail WHERE eventName = 'AssumeRole';
"""
RULE_NAMES = ["object_deleted", "ip_s3_burst", "principal_busy_hour", "region_write_spree",
              "principal_new_api", "role_assumed_quietly"]
MINUTE = datetime.timedelta(minutes=1)
LATENESS = {"ip_s3_burst": 5 * MINUTE, "principal_busy_hour": 5 * MINUTE, "region_write_spree": 2 * MINUTE,
            "role_assumed_quietly": 5 * MINUTE}


def ballast():
    """Rules that never match (a JSON path that is not there, two fields that
    differ) and that the compiled engine decides with the reference
    interpreter over a DOM parse of every record: they make reading slow
    enough to be killed part-way."""
    return "".join(f"CREATE RULE ballast_{i} AS SELECT eventName FROM cloudtrail\n"
                   f"WHERE json_extract_scalar(userIdentity, '$.sessionContext.attributes.no_such_{i}') = 'x{i}' "
                   f"AND userAgent != sourceIPAddress;\n" for i in range(BALLAST_RULES))


def run(*args, timeout=120):
    return subprocess.run([TRAILHOUND, *args], capture_output=True, timeout=timeout)


def complete_lines(path):
    """The newline-terminated lines of `path`; a torn last line (a write cut
    short by SIGKILL) is not returned."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return []
    return data.decode().split("\n")[:-1]


def alerts_of(path):
    return [json.loads(line) for line in complete_lines(path)]


def read_checkpoint(path):
    """The absolute paths a checkpoint lists as done (none if it is absent)."""
    lines = complete_lines(path)
    if not lines:
        return set()
    assert lines[0] == "trailhound-checkpoint 1" and lines[-1] == f"end {len(lines) - 2}", lines
    return {line.split(" ", 3)[3] for line in lines[1:-1]}


def saved_positions(state_path):
    """{input: last record index applied} from the head of a state file
    (varint-framed: magic, partition id, stream time, then that map), or
    None when there is none or it does not read. Only used to steer the
    kill and to describe what happened; the assertions do not depend on it."""
    try:
        with open(state_path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return None
    at = 0

    def varint():
        nonlocal at
        value, shift = 0, 0
        while True:
            byte = data[at]
            at += 1
            value |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return value
            shift += 7

    def text():
        nonlocal at
        size = varint()
        at += size
        return data[at - size:at].decode()

    try:
        if text() != "trailhound-state-1":
            return None
        text()  # partition id
        if varint():
            varint()  # stream time
        applied = {}
        for _ in range(varint()):
            name = text()
            raw = varint()
            applied[name] = (raw >> 1) ^ -(raw & 1)
        return applied
    except (IndexError, UnicodeDecodeError):
        return None


def kind(alert):
    if "window" in alert:
        return "window"
    if "suppressed" in alert:
        return "suppression summary"
    return "record"


@functools.lru_cache(maxsize=None)
def parse_time(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")


def fmt_time(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def field(record, path):
    value = record
    for key in path.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return value


def floor_to(moment, minutes):
    epoch = datetime.datetime(1970, 1, 1)
    step = datetime.timedelta(minutes=minutes)
    return epoch + ((moment - epoch) // step) * step


# --- an oracle: the README's definitions over the records ----------------------------------------------


def oracle(records):
    """What a run without --state-dir (every window and period closed at
    the end) must alert, per rule, in comparable terms."""
    out = {}
    out["object_deleted"] = {r["eventID"] for r in records if r.get("eventName") == "DeleteObject"}

    # SLIDING (10 MINUTES) HAVING count(*) >= 6, one alert per burst: for each
    # distinct time t of a group, the window [t - 10m, t]; it alerts when
    # HAVING holds and did not hold for the group's previous distinct time t'
    # (if t' >= t - 10m).
    times = collections.defaultdict(list)
    for r in records:
        if r.get("eventSource") == "s3.amazonaws.com":
            times[r.get("sourceIPAddress")].append(parse_time(r["eventTime"]))
    sliding = {}
    for ip, moments in times.items():
        moments.sort()
        previous, previous_true = None, False
        for t in sorted(set(moments)):
            count = bisect.bisect_right(moments, t) - bisect.bisect_left(moments, t - 10 * MINUTE)
            having = count >= 6
            if having and not (previous is not None and previous >= t - 10 * MINUTE and previous_true):
                sliding[(ip, fmt_time(t))] = count
            previous, previous_true = t, having
    out["ip_s3_burst"] = sliding

    def timed(where, key, size, advance, threshold):
        counts = collections.Counter()
        for r in records:
            if not where(r):
                continue
            t = parse_time(r["eventTime"])
            start = floor_to(t, advance)
            while start > t - datetime.timedelta(minutes=size):
                counts[(field(r, key), fmt_time(start))] += 1
                start -= datetime.timedelta(minutes=advance)
        return {k: n for k, n in counts.items() if n >= threshold}

    out["principal_busy_hour"] = timed(lambda r: field(r, "userIdentity.type") == "IAMUser",
                                       "userIdentity.arn", 60, 60, 20)
    out["region_write_spree"] = timed(lambda r: r.get("readOnly") is False, "awsRegion", 30, 10, 12)

    # first_seen(arn, eventName, LEARN INTERVAL '12' HOUR): learning starts at
    # the first record with both values that passes the rest of the WHERE.
    seen, learn_start, fresh = set(), None, set()
    for r in records:
        if field(r, "userIdentity.type") not in ("IAMUser", "AssumedRole"):
            continue
        pair = (field(r, "userIdentity.arn"), r.get("eventName"))
        if None in pair:
            continue
        t = parse_time(r["eventTime"])
        learn_start = learn_start or t
        if pair not in seen and t >= learn_start + datetime.timedelta(hours=12):
            fresh.add(r["eventID"])
        seen.add(pair)
    out["principal_new_api"] = fresh

    # suppress_by arn for 2h: the first match alerts and opens [t, t + 2h);
    # matches inside are counted; one at or after the end alerts and opens
    # the next. A period that counted something ends with a summary.
    periods, alerted, summaries = {}, set(), {}
    for r in records:
        if r.get("eventName") != "AssumeRole":
            continue
        arn, t = field(r, "userIdentity.arn"), parse_time(r["eventTime"])
        period = periods.get(arn)
        if period is not None and t < period[0] + datetime.timedelta(hours=2):
            period[1] += 1
            continue
        if period is not None and period[1]:
            summaries[(arn, fmt_time(period[0]))] = period[1]
        periods[arn] = [t, 0]
        alerted.add(r["eventID"])
    for arn, (start, count) in periods.items():
        if count:
            summaries[(arn, fmt_time(start))] = count
    out["role_assumed_quietly"] = (alerted, summaries)
    return out


def comparable(alerts):
    """The alerts of a run in the oracle's terms."""
    out = {"object_deleted": set(), "ip_s3_burst": {}, "principal_busy_hour": {}, "region_write_spree": {},
           "principal_new_api": set(), "role_assumed_quietly": (set(), {})}
    for a in alerts:
        rule = a["rule"]
        if rule in ("object_deleted", "principal_new_api"):
            out[rule].add(a["eventID"])
        elif rule == "ip_s3_burst":
            out[rule][(a["group"]["sourceIPAddress"], a["window"]["end"])] = a["fields"]["calls"]
        elif rule == "principal_busy_hour":
            out[rule][(a["group"]["arn"], a["window"]["start"])] = a["fields"]["calls"]
        elif rule == "region_write_spree":
            out[rule][(a["group"]["awsRegion"], a["window"]["start"])] = a["fields"]["writes"]
        elif rule == "role_assumed_quietly":
            if "suppressed" in a:
                out[rule][1][(a["group"]["arn"], a["suppressed"]["from"])] = a["suppressed"]["count"]
            else:
                out[rule][0].add(a["eventID"])
    return out


def open_at_end(records):
    """A predicate: whether the window or suppression period of a plain
    run's alert is still open at the end of the input, so that a --state-dir
    run keeps it instead of alerting (README "Windows close in event time")."""
    stream_time = max(parse_time(r["eventTime"]) for r in records)
    last_match = {}  # arn -> time of its last AssumeRole
    for r in records:
        if r.get("eventName") == "AssumeRole":
            last_match[field(r, "userIdentity.arn")] = parse_time(r["eventTime"])

    def still_open(alert):
        if "window" in alert:
            watermark = stream_time - LATENESS[alert["rule"]]
            end = parse_time(alert["window"]["end"])
            # sliding windows close when the watermark passes their end; the others when it reaches it
            return watermark <= end if alert["window"]["type"] == "sliding" else watermark < end
        if "suppressed" in alert:
            end = parse_time(alert["suppressed"]["to"])
            if stream_time - LATENESS[alert["rule"]] >= end:
                return False
            # a later match for the key would have opened the next period and closed this one
            return last_match[alert["group"]["arn"]] < end
        return False

    return still_open


class StatefulRestartTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="th-stateful-")
        cls.rules = os.path.join(cls.dir, "rules")
        os.makedirs(cls.rules)
        with open(os.path.join(cls.rules, "stateful.sql"), "w") as f:
            f.write(STATEFUL_RULES)
        with open(os.path.join(cls.rules, "ballast.sql"), "w") as f:
            f.write(ballast())
        cls.whole = os.path.join(cls.dir, "whole.ndjson")
        generated = run("gen", str(RECORDS), "--seed", str(DATA_SEED), "--output", cls.whole)
        assert generated.returncode == 0, generated.stderr.decode()
        with open(cls.whole, "rb") as f:
            cls.lines = f.read().split(b"\n")[:-1]
        assert len(cls.lines) == RECORDS
        cls.records = [json.loads(line) for line in cls.lines]
        # one stream cut into files: eventTime keeps ascending across them
        cls.batch = os.path.join(cls.dir, "batch")
        os.makedirs(cls.batch)
        cls.names = [f"part-{i}.ndjson" for i in range(FILES)]
        for i, name in enumerate(cls.names):
            with open(os.path.join(cls.batch, name), "wb") as f:
                f.write(b"".join(line + b"\n" for line in cls.lines[i * PER_FILE:(i + 1) * PER_FILE]))

        started = time.monotonic()
        out = os.path.join(cls.dir, "reference.ndjson")
        result = run("run", "--rules", cls.rules, "--checkpoint",
                     os.path.join(cls.dir, "reference.ck"), "--state-dir", os.path.join(cls.dir, "reference-state"),
                     "--output", out, cls.batch)
        assert result.returncode == 0, result.stderr.decode()
        cls.reference_seconds = time.monotonic() - started
        cls.reference = alerts_of(out)
        out = os.path.join(cls.dir, "plain.ndjson")
        result = run("run", "--rules", cls.rules, "--output", out, cls.batch)
        assert result.returncode == 0, result.stderr.decode()
        cls.plain = alerts_of(out)
        counts = collections.Counter(a["rule"] + ("" if kind(a) == "record" else f" ({kind(a)})")
                                     for a in cls.reference)
        print(f"\nreference: {len(cls.reference)} alerts in {cls.reference_seconds:.1f} s: "
              + ", ".join(f"{rule} {n}" for rule, n in sorted(counts.items())), file=sys.stderr)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def setUp(self):
        self.processes = []
        self.addCleanup(self.stop_processes)

    def stop_processes(self):
        for proc in self.processes:
            if proc.poll() is None:
                proc.kill()
            proc.wait()

    def path(self, *names):
        return os.path.join(self.dir, *names)

    def start(self, *args):
        err_path = tempfile.mktemp(dir=self.dir, suffix=".stderr")
        with open(err_path, "wb") as err:
            proc = subprocess.Popen([TRAILHOUND, *args], stdout=subprocess.DEVNULL, stderr=err)
        proc.err_path = err_path
        self.processes.append(proc)
        return proc

    @staticmethod
    def stderr_of(proc):
        with open(proc.err_path, "rb") as f:
            return f.read().decode(errors="replace")

    def wait_until(self, condition, what, proc=None):
        deadline = time.monotonic() + DEADLINE
        while not condition():
            if proc is not None and proc.poll() is not None and not condition():
                self.fail(f"trailhound exited with {proc.returncode} while waiting for {what}; stderr:\n"
                          + self.stderr_of(proc)[-3000:])
            if time.monotonic() > deadline:
                self.fail(f"waited {DEADLINE} s for {what}")
            time.sleep(0.02)

    def terminate(self, proc):
        proc.send_signal(signal.SIGTERM)
        returncode = proc.wait(timeout=DEADLINE)
        stderr = self.stderr_of(proc)
        self.assertEqual(returncode, 0, stderr)
        self.assertIn("Terminated: stopped after delivering and committing", stderr)

    # --- the expectations ---------------------------------------------------------------------------

    def test_0_reference_matches_the_oracle_and_keeps_only_open_windows(self):
        # The plain run (every window closed at the end) against the README's definitions.
        expected, got = oracle(self.records), comparable(self.plain)
        for rule in RULE_NAMES:
            with self.subTest(rule=rule):
                self.assertEqual(got[rule], expected[rule])
        alerted, summaries = expected["role_assumed_quietly"]
        assume_role = sum(1 for r in self.records if r.get("eventName") == "AssumeRole")
        self.assertEqual(len(alerted) + sum(summaries.values()), assume_role, "a suppressed match was lost")

        # The reference (--state-dir) = the plain run minus what is still open at the end.
        by_id = {a["alert_id"]: a for a in self.plain}
        self.assertEqual(len(by_id), len(self.plain), "an alert_id twice in one run")
        reference_ids = [a["alert_id"] for a in self.reference]
        self.assertEqual(len(set(reference_ids)), len(reference_ids), "an alert_id twice in one run")
        for alert in self.reference:
            self.assertEqual(alert, by_id.get(alert["alert_id"]))
        still_open = open_at_end(self.records)
        kept_open = [a for a in self.plain if a["alert_id"] not in set(reference_ids)]
        self.assertEqual([a for a in kept_open if not still_open(a)], [])
        self.assertEqual(len(kept_open), sum(map(still_open, self.plain)))
        self.assertGreater(len(kept_open), 0, "no window open at the end: the comparison would not tell")
        per_rule = collections.Counter(a["rule"] for a in self.reference)
        for rule in RULE_NAMES:
            self.assertGreaterEqual(per_rule[rule], 100, f"{rule} fires too rarely to tell anything")
        print(f"\noracle = plain run ({len(self.plain)} alerts); reference keeps {len(kept_open)} windows/periods "
              "open at the end", file=sys.stderr)

    def compare_with_reference(self, delivered, context, normalize=lambda a: a):
        """Every reference alert_id delivered, none other; every delivered
        alert (duplicates too) the same JSON as the reference's. Returns the
        duplicates per kind."""
        expected = {a["alert_id"]: normalize(a) for a in self.reference}
        ids = collections.Counter(a["alert_id"] for a in delivered)
        missing = set(expected) - set(ids)
        extra = set(ids) - set(expected)
        self.assertEqual(missing, set(), f"alerts lost {context}: "
                         + "; ".join(json.dumps(expected[i])[:300] for i in sorted(missing)[:3]))
        self.assertEqual(extra, set(), f"alerts nobody expected {context}")
        different = [a for a in delivered if normalize(a) != expected[a["alert_id"]]]
        self.assertEqual(different, [], f"alerts that differ from the reference's {context}; reference: "
                         + "; ".join(json.dumps(expected[a["alert_id"]]) for a in different[:2]))
        duplicates = collections.Counter()
        for alert_id, n in ids.items():
            if n > 1:
                duplicates[kind(expected[alert_id])] += n - 1
        return duplicates

    def describe_kill(self, state_dir, checkpoint, delivered):
        applied = saved_positions(os.path.join(state_dir, "files.state")) or {}
        done = {os.path.basename(p) for p in read_checkpoint(checkpoint)}
        partial = {os.path.basename(name): index for name, index in applied.items()
                   if os.path.basename(name) not in done}
        last = delivered[-1]["source"] if delivered else None
        where = f"{os.path.basename(last['file'])} record {last['record']}" if last else "nothing"
        return (f"killed after {len(delivered)} alerts (last from {where}); checkpoint: {len(done)} files done; "
                f"state saved up to {partial or 'no file beyond them'}")

    # --- A1: kill -9 of a checkpointed batch run --------------------------------------------------------

    def test_a1_sigkill_mid_file_then_restart_delivers_the_reference(self):
        seed = int(os.environ.get("TH_CRASH_SEED", random.randrange(1 << 30)))
        kill_after = random.Random(seed).randrange(len(self.reference) // 6, len(self.reference) // 3)
        state, checkpoint = self.path("a1-state"), self.path("a1.ck")
        first_out, second_out = self.path("a1-out1"), self.path("a1-out2")
        args = ["run", "--rules", self.rules, "--checkpoint", checkpoint,
                "--state-dir", state, self.batch]
        proc = self.start(*args, "--output", first_out)
        order = {os.path.join(self.batch, name): i for i, name in enumerate(self.names)}

        def saved_mid_file_and_delivered_past_it():
            # the state was saved in the middle of a file, and alerts of
            # later records were delivered since (they will be read again)
            if len(complete_lines(first_out)) < kill_after:
                return False
            applied = saved_positions(os.path.join(state, "files.state")) or {}
            done = read_checkpoint(checkpoint)
            mid = [(order[n], i) for n, i in applied.items() if n in order and n not in done and i < PER_FILE - 1]
            if not mid:
                return False
            last = json.loads(complete_lines(first_out)[-1])["source"]
            return (order[last["file"]], last["record"]) > max(mid)

        self.wait_until(saved_mid_file_and_delivered_past_it, "a state saved mid-file and alerts past it", proc)
        proc.kill()
        proc.wait()
        first = alerts_of(first_out)
        context = f"(TH_CRASH_SEED={seed}; {self.describe_kill(state, checkpoint, first)})"
        self.assertLess(len(read_checkpoint(checkpoint)), FILES, context)

        started = time.monotonic()
        result = run(*args, "--output", second_out)
        self.assertEqual(result.returncode, 0, result.stderr.decode())
        second = alerts_of(second_out)
        duplicates = self.compare_with_reference(first + second, context)
        self.assertEqual(read_checkpoint(checkpoint), {os.path.join(self.batch, n) for n in self.names})
        print(f"\nA1 {context}: restart took {time.monotonic() - started:.1f} s and delivered {len(second)}; "
              f"all {len(self.reference)} reference alerts, none extra, duplicates: "
              f"{dict(duplicates) or 'none'} (same JSON as the reference)", file=sys.stderr)

    # --- A2: kill -9 of a --follow run while it reads a file ---------------------------------------------

    def test_a2_follow_sigkill_while_reading_a_file_then_restart_delivers_the_reference(self):
        seed = int(os.environ.get("TH_CRASH_SEED", random.randrange(1 << 30)))
        rng = random.Random(seed)
        kill_in = rng.randrange(1, FILES - 1)  # which file is being read at the kill
        kill_from = rng.randrange(PER_FILE // 5, PER_FILE // 2)  # once alerts from about here are delivered
        inbox, state, checkpoint = self.path("a2-inbox"), self.path("a2-state"), self.path("a2.ck")
        os.makedirs(inbox)
        first_out, second_out = self.path("a2-out1"), self.path("a2-out2")
        args = ["run", "--rules", self.rules, "--follow", "--settle-ms", "100",
                "--checkpoint", checkpoint, "--state-dir", state, "--status-interval", "1", inbox]

        def deliver(i):  # written under a name the follower skips, then renamed
            temporary = os.path.join(inbox, self.names[i] + ".tmp")
            shutil.copyfile(os.path.join(self.batch, self.names[i]), temporary)
            os.rename(temporary, os.path.join(inbox, self.names[i]))

        furthest = {}  # file -> the furthest record with an alert delivered, read as the output grows
        seen = [0]

        def delivered_from(i, record):
            with open(first_out, "rb") if os.path.exists(first_out) else open(os.devnull, "rb") as f:
                f.seek(seen[0])
                data = f.read()
            complete = data[:data.rfind(b"\n") + 1]
            seen[0] += len(complete)
            for line in complete.splitlines():
                source = json.loads(line)["source"]
                furthest[source["file"]] = max(furthest.get(source["file"], -1), source["record"])
            return furthest.get(os.path.join(inbox, self.names[i]), -1) >= record

        proc = self.start(*args, "--output", first_out)
        for i in range(kill_in + 1):
            deliver(i)
            if i < kill_in:  # one file at a time, as a delivery stream would
                self.wait_until(lambda: delivered_from(i, PER_FILE * 9 // 10), f"alerts of file {i}", proc)
        self.wait_until(lambda: delivered_from(kill_in, kill_from), f"alerts of file {kill_in}", proc)
        proc.kill()
        proc.wait()
        first = alerts_of(first_out)
        # killed mid-file: some alerts of records of that file were not delivered yet
        batch_file = os.path.join(self.batch, self.names[kill_in])
        of_file = {a["alert_id"] for a in self.reference if a["source"]["file"] == batch_file}
        got_of_file = of_file & {a["alert_id"] for a in first}
        context = f"(TH_CRASH_SEED={seed}; {self.describe_kill(state, checkpoint, first)})"
        self.assertLess(len(got_of_file), len(of_file), "the file was read to its end before the kill " + context)

        proc = self.start(*args, "--output", second_out)
        for i in range(kill_in + 1, FILES):
            deliver(i)
        self.wait_until(lambda: f"files: {FILES} done, 0 pending" in self.stderr_of(proc), "every file read", proc)
        self.terminate(proc)
        second = alerts_of(second_out)

        def same_paths(alert):  # the reference read the same files from another folder
            alert = json.loads(json.dumps(alert))
            alert["source"]["file"] = os.path.basename(alert["source"]["file"])
            return alert

        duplicates = self.compare_with_reference([same_paths(a) for a in first + second], context, same_paths)
        self.assertEqual(read_checkpoint(checkpoint), {os.path.join(inbox, n) for n in self.names})
        print(f"\nA2 {context}, in file {kill_in} with {len(got_of_file)} of its {len(of_file)} alerts out: "
              f"the restart delivered {len(second)}; "
              f"all {len(self.reference)} reference alerts, none extra, duplicates: "
              f"{dict(duplicates) or 'none'} (same JSON as the reference)", file=sys.stderr)

    # --- B: the state directory carries windows from one run to the next --------------------------------

    def test_b_state_dir_carries_windows_across_runs(self):
        # cuts that fall inside windows and periods of every rule
        cuts = [0, 17321, 31007, RECORDS]
        parts, offsets = [], []
        for n, (begin, end) in enumerate(zip(cuts, cuts[1:])):
            parts.append(self.path(f"b-part{n}.ndjson"))
            offsets.append((begin, sum(len(line) + 1 for line in self.lines[:begin])))
            with open(parts[-1], "wb") as f:
                f.write(b"".join(line + b"\n" for line in self.lines[begin:end]))

        def run_over(path, state, out):
            result = run("run", "--rules", self.path("rules", "stateful.sql"), "--state-dir", state,
                         "--output", out, path)
            self.assertEqual(result.returncode, 0, result.stderr.decode())
            return alerts_of(out)

        whole = run_over(self.whole, self.path("b-whole-state"), self.path("b-whole.ndjson"))
        state = self.path("b-state")
        runs = [run_over(part, state, self.path(f"b-out{n}")) for n, part in enumerate(parts[:2])]
        # the second part again: every record was applied already
        repeat = run_over(parts[1], state, self.path("b-out1-again"))
        runs.append(run_over(parts[2], state, self.path("b-out2")))

        def in_whole_file(alert):  # positions in the parts -> in the whole file
            alert = json.loads(json.dumps(alert))
            source = alert["source"]
            # (a window alerted by a later run may end with a record of an earlier part)
            records_before, bytes_before = offsets[parts.index(source["file"])]
            alert["source"] = {"file": self.whole, "record": source["record"] + records_before,
                               "offset": source["offset"] + bytes_before, "line": source["line"] + records_before}
            return alert

        split = [in_whole_file(a) for alerts in runs for a in alerts]
        ids = [a["alert_id"] for a in split]
        self.assertEqual(len(set(ids)), len(ids), "an alert came twice from runs over different records")
        self.assertEqual(sorted(ids), sorted(a["alert_id"] for a in whole))
        key = lambda a: a["alert_id"]
        self.assertEqual(sorted(split, key=key), sorted(whole, key=key))
        # alerts in the run whose records closed them, in the same order
        self.assertEqual(split, whole)
        # windows alerted by a later run that began before its first record: carried over in the state
        carried = [a for n in (1, 2) for a in runs[n] if "window" in a and
                   parse_time(a["window"]["start"]) < parse_time(self.records[cuts[n]]["eventTime"])]
        self.assertGreater(len(carried), 10, "no window spans a cut: the test would not tell")

        stateless = [a for a in runs[1] if a["rule"] == "object_deleted"]
        self.assertGreater(len(stateless), 0)
        self.assertEqual([in_whole_file(a) for a in repeat], [in_whole_file(a) for a in stateless],
                         "reading records again changed the state or alerted from it")
        print(f"\nB: {len(whole)} alerts from one run = {' + '.join(str(len(r)) for r in runs)} from three runs "
              f"sharing --state-dir; {len(carried)} window alerts spanned a cut; the repeated part gave only its "
              f"{len(repeat)} stateless alerts", file=sys.stderr)

    # --- C: corrupt state files -------------------------------------------------------------------------

    def test_c_corrupt_state_file_stops_the_run_with_exit_2_naming_it(self):
        first, second = self.path("c-part0.ndjson"), self.path("c-part1.ndjson")
        with open(first, "wb") as f:
            f.write(b"".join(line + b"\n" for line in self.lines[:5000]))
        with open(second, "wb") as f:
            f.write(b"".join(line + b"\n" for line in self.lines[5000:8000]))
        rules = self.path("rules", "stateful.sql")
        good_state = self.path("c-good-state")
        result = run("run", "--rules", rules, "--state-dir", good_state, "--output", os.devnull, first)
        self.assertEqual(result.returncode, 0, result.stderr.decode())
        with open(os.path.join(good_state, "files.state"), "rb") as f:
            good = f.read()
        self.assertGreater(len(good), 1000)
        rng = random.Random(7)
        cases = {
            "garbage": bytes(rng.randrange(256) for _ in range(3000)),
            "empty": b"",
            "wrong magic": good.replace(b"trailhound-state-1", b"trailhound-state-9", 1),
            "trailing bytes": good + b"\x00\x01",
            "a count past the end": good[:19] + b"\xff\xff\xff\xff\x0f" + good[24:],
        }
        for cut in sorted(rng.sample(range(1, len(good)), 8)) + [len(good) - 1]:
            cases[f"truncated to {cut} of {len(good)} bytes"] = good[:cut]
        followed = {"garbage", "wrong magic", f"truncated to {len(good) - 1} of {len(good)} bytes"}
        for why, data in cases.items():
            for follow in ([], ["--follow", "--settle-ms", "100", "--checkpoint", self.path("c.ck")]):
                if follow and why not in followed:
                    continue
                with self.subTest(why=why, follow=bool(follow)):
                    state = self.path("c-state")
                    shutil.rmtree(state, ignore_errors=True)
                    os.makedirs(state)
                    state_file = os.path.join(state, "files.state")
                    with open(state_file, "wb") as f:
                        f.write(data)
                    out = self.path("c-out")
                    if os.path.exists(out):
                        os.unlink(out)
                    inputs = [second]
                    if follow:  # a folder to follow
                        inputs = [self.path("c-inbox")]
                        os.makedirs(inputs[0], exist_ok=True)
                        shutil.copyfile(second, os.path.join(inputs[0], "part.ndjson"))
                        if os.path.exists(self.path("c.ck")):
                            os.unlink(self.path("c.ck"))
                    result = run("run", "--rules", rules, "--state-dir", state, *follow, "--output", out, *inputs,
                                 timeout=DEADLINE)
                    stderr = result.stderr.decode(errors="replace")
                    self.assertEqual(result.returncode, 2, stderr)  # negative = killed by a signal
                    self.assertIn(f"state file {state_file} is corrupt", stderr)
                    with open(state_file, "rb") as f:
                        self.assertEqual(f.read(), data, "the corrupt state file was changed")
                    self.assertEqual(complete_lines(out), [], "alerts delivered from a run with a broken state")
                    if follow:
                        self.assertEqual(read_checkpoint(self.path("c.ck")), set())

    # --- D: a followed folder that goes quiet is committed --------------------------------------------

    def test_d_follow_commits_the_files_read_once_the_folder_is_quiet(self):
        inbox, state, checkpoint = self.path("d-inbox"), self.path("d-state"), self.path("d.ck")
        os.makedirs(inbox)
        shutil.copyfile(os.path.join(self.batch, self.names[0]), os.path.join(inbox, self.names[0]))
        proc = self.start("run", "--rules", self.path("rules", "stateful.sql"), "--follow", "--settle-ms", "100",
                          "--checkpoint", checkpoint, "--state-dir", state, "--status-interval", "1",
                          "--output", self.path("d-out"), inbox)
        self.wait_until(lambda: "files: 1 done, 0 pending" in self.stderr_of(proc), "the file read", proc)
        # The file is read and its alerts delivered; the state may be saved
        # (and the checkpoint written) at most once a second: give it three.
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and not read_checkpoint(checkpoint):
            time.sleep(0.05)
        done, applied = read_checkpoint(checkpoint), saved_positions(os.path.join(state, "files.state"))
        self.terminate(proc)
        self.assertEqual(done, {os.path.join(inbox, self.names[0])},
                         f"3 s after the folder went quiet the checkpoint lists {done or 'nothing'} and the state "
                         f"holds {applied}: a kill -9 now would read the whole file again")

    # --- E: one file, named another way ---------------------------------------------------------------

    def test_e_the_same_file_named_another_way_is_not_applied_twice(self):
        name = "e-part.ndjson"
        with open(self.path(name), "wb") as f:
            f.write(b"".join(line + b"\n" for line in self.lines[:5000]))
        state = self.path("e-state")

        def run_in_dir(path, out):  # from the work folder, so that `name` is a relative path
            result = subprocess.run([TRAILHOUND, "run", "--rules", self.path("rules", "stateful.sql"), "--state-dir",
                                     state, "--dead-letter", out + ".dead", "--output", out, path],
                                    capture_output=True, cwd=self.dir, timeout=DEADLINE)
            self.assertEqual(result.returncode, 0, result.stderr.decode())
            return alerts_of(out), complete_lines(out + ".dead")

        first, _ = run_in_dir(name, self.path("e-out1"))
        stateless = [a["alert_id"] for a in first if a["rule"] == "object_deleted"]
        self.assertGreater(len(first), len(stateless))
        # The same records again, as a --checkpoint restart from another
        # directory would read the file it was in the middle of (the
        # checkpoint itself knows files by absolute path): they were applied.
        again, letters = run_in_dir(self.path(name), self.path("e-out2"))
        self.assertEqual(([a["alert_id"] for a in again], len(letters)), (stateless, 0),
                         "records applied before were applied again under another spelling of their path")


if __name__ == "__main__":
    TRAILHOUND = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
