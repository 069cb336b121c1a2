#!/usr/bin/env python3
"""Stateful rules benchmark: throughput with windows, first_seen and suppression, and state memory per key.

Two parts, one configuration at a time (2-core machine: never two heavy runs at once).

1. Throughput, on the same `trailhound gen N --seed 7` file as run_bench.py
   (generated once into the work directory and reused), `trailhound run
   --threads 1 --output /dev/null --status-interval 1`, best of --repeat:

     stateless      the shipped pack (rules/) without its stateful rules; when
                    the pack has none, the pack as is
     pack as is     only when rules/ holds stateful rules (found with
                    `trailhound explain`: a window, first_seen or suppress_by)
     + shipped      the pack plus the shipped stateful rules beside it
                    (rules_stateful/, or --stateful-rules PATH…), when there are
     stateful       everything shipped plus this script's stateful rules
                    (BENCH_RULES: sliding, tumbling and hopping windows with
                    HAVING over userIdentity.arn, sourceIPAddress and
                    eventSource; first_seen(userIdentity.arn,
                    sourceIPAddress); a suppression rule), less those a
                    shipped rule is equivalent to (same kind, same window
                    type, same GROUP BY / first_seen / suppress_by fields)
     --state-dir    the same, saving its state to a fresh temporary directory
                    (at most once per second, and at the end); such a run
                    keeps its windows open at the end instead of closing them
     stateless + R  each stateful rule alone beside the stateless pack (the
                    shipped ones that have a file of their own, and this
                    script's), to see what each costs (--no-per-rule skips)

   records/s come from trailhound's summary line (first record to the end,
   closing the windows at the end included; loading the rules not); "vs
   stateless" is records/s over the stateless pack's. The target: all the
   stateful rules at >= 50% of the stateless pack's records/s. The state
   column is the last status line's (up to a second before the end).

2. State memory: synthetic records (a template with the key's fields varied,
   cached in the work directory), --state-records of them per run, the key of
   record i being i mod K, all inside one hour of event time, for K = 1,000,
   100,000 and 1,000,000 (--state-keys), through one rule alone:

     first_seen     WHERE eventName = 'GetObject'
                    AND first_seen(userIdentity.arn, sourceIPAddress)
                    (K distinct pairs)
     tumbling       GROUP BY userIdentity.arn WINDOW TUMBLING (SIZE 1 HOUR)
                    HAVING count(DISTINCT sourceIPAddress) >= 2 (K groups, each
                    with one open window holding one distinct value; never
                    alerts)

   The input is a FIFO: after the last record the script keeps sending a copy
   of it (no new key) every 0.2 s, so that the run stays alive with every key
   in state and prints its status line; then it reads the process's VmHWM
   (peak RSS) from /proc and the line's "state N keys, X MB" estimate, and
   closes the FIFO. bytes/key = (VmHWM at K - VmHWM at 1,000 keys) / (K - 1,000),
   the same for the estimate. --state-max-keys is twice the largest K (the
   default, 1,000,000 per rule, would otherwise be the limit).

--perf N records `perf record -e cpu-clock -g` of the pack plus the stateful
rules over the first N records of the file and prints the top symbols.

Timings are figures, not tests: the exit status is 0 unless a run failed.

Usage:
  bench/stateful_bench.py [--build-dir build] [--records 1000000] [--repeat 3] [--pin CPU]
                          [--wait-quiet SECONDS] [--stateful-rules PATH] [--state-keys 1000,100000,1000000]
                          [--skip-throughput] [--skip-memory] [--no-per-rule] [--perf 100000]
  make bench-state
"""

import argparse
import json
import os
import pathlib
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import run_bench as rb  # noqa: E402  (the harness's data, child measuring and formatting)

ROOT = HERE.parent
PACK = ROOT / "rules"
DEFAULT_STATEFUL = ROOT / "rules_stateful"

STATUS_RE = re.compile(r"trailhound: status: (\d+) records .*?state (\d+) keys, ([0-9.]+) MB, (\d+) evicted")
RULE_HEAD_RE = re.compile(r"^rule (\S+)\s+\((.+):(\d+)\)\s*$")
FIELD_RE = re.compile(r"^  (window|then|group by|suppress_by): (.*)$")

# The bench's stateful rules: (name, signature, SQL). The signature says what
# an equivalent pack rule would be: kind, window type, fields.
BENCH_RULES = [
    ("bench_error_burst_sliding", ("window", "sliding", frozenset({"userIdentity.arn", "sourceIPAddress"})), """
CREATE RULE bench_error_burst_sliding WITH (severity = 'medium') AS
SELECT userIdentity.arn, sourceIPAddress, count(*) AS errors, count(DISTINCT eventName) AS calls,
       min(eventTime) AS first_error, max(eventTime) AS last_error,
       array_agg(DISTINCT errorCode) LIMIT 5 AS codes
FROM cloudtrail
WHERE errorCode IS NOT NULL
GROUP BY userIdentity.arn, sourceIPAddress
WINDOW SLIDING (10 MINUTES)
HAVING count(*) >= 5;
"""),
    ("bench_ip_many_principals_tumbling", ("window", "tumbling", frozenset({"sourceIPAddress"})), """
CREATE RULE bench_ip_many_principals_tumbling WITH (severity = 'low') AS
SELECT sourceIPAddress, count(DISTINCT userIdentity.arn) AS principals, count(*) AS calls
FROM cloudtrail
WHERE userIdentity.type IN ('IAMUser', 'AssumedRole')
GROUP BY sourceIPAddress
WINDOW TUMBLING (SIZE 1 HOUR)
HAVING count(DISTINCT userIdentity.arn) >= 5;
"""),
    ("bench_write_burst_hopping", ("window", "hopping", frozenset({"userIdentity.arn", "eventSource"})), """
CREATE RULE bench_write_burst_hopping WITH (severity = 'low') AS
SELECT userIdentity.arn, eventSource, count(*) AS writes, count(DISTINCT eventName) AS calls
FROM cloudtrail
WHERE readOnly = false
GROUP BY userIdentity.arn, eventSource
WINDOW HOPPING (SIZE 1 HOUR, ADVANCE BY 15 MINUTES)
HAVING count(*) >= 100;
"""),
    ("bench_principal_new_ip", ("first_seen", None, ("userIdentity.arn", "sourceIPAddress")), """
CREATE RULE bench_principal_new_ip WITH (severity = 'medium') AS
SELECT userIdentity.arn, sourceIPAddress
FROM cloudtrail
WHERE userIdentity.type IN ('IAMUser', 'AssumedRole')
  AND first_seen(userIdentity.arn, sourceIPAddress);
"""),
    ("bench_access_denied_suppressed", ("suppression", None, frozenset({"userIdentity.arn", "sourceIPAddress"})), """
CREATE RULE bench_access_denied_suppressed
WITH (severity = 'low', suppress_by = 'userIdentity.arn,sourceIPAddress', suppress_for = '1h') AS
SELECT eventName, errorCode, sourceIPAddress
FROM cloudtrail
WHERE errorCode IN ('AccessDenied', 'AccessDeniedException', 'Client.UnauthorizedOperation');
"""),
]

MEMORY_RULES = {
    "first_seen": """
CREATE RULE mem_first_seen WITH (severity = 'low') AS
SELECT userIdentity.arn, sourceIPAddress FROM cloudtrail
WHERE eventName = 'GetObject' AND first_seen(userIdentity.arn, sourceIPAddress);
""",
    "tumbling": """
CREATE RULE mem_tumbling WITH (severity = 'low') AS
SELECT userIdentity.arn, count(DISTINCT sourceIPAddress) AS ips FROM cloudtrail
WHERE eventName = 'GetObject'
GROUP BY userIdentity.arn WINDOW TUMBLING (SIZE 1 HOUR)
HAVING count(DISTINCT sourceIPAddress) >= 2;
""",
}

# Key k: user u<k> at IP 10.x.y.z (a function of k); record i falls at
# 10:00:00 + i*3600/N on one day, so every window stays open.
MEMORY_TEMPLATE = (
    '{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","principalId":"AIDA%07d",'
    '"arn":"arn:aws:iam::123456789012:user/u%07d","accountId":"123456789012","userName":"u%07d"},'
    '"eventTime":"2023-10-01T10:%02d:%02dZ","eventSource":"s3.amazonaws.com","eventName":"GetObject",'
    '"awsRegion":"us-east-1","sourceIPAddress":"10.%d.%d.%d","userAgent":"aws-cli/2.13.0",'
    '"requestParameters":{"bucketName":"acme-data","key":"k"},"responseElements":null,'
    '"requestID":"r%09d","eventID":"e%09d","readOnly":true,"eventType":"AwsApiCall",'
    '"managementEvent":false,"recipientAccountId":"123456789012"}\n')
MEMORY_DATA_VERSION = 1  # bump when the template changes
MEMORY_RUN_TIMEOUT = 900  # seconds before a memory run's input is closed regardless


# ---------------------------------------------------------------------------
# The pack's stateful rules

def explain_rules(trailhound, paths):
    """Per rule of `paths`: name, file, line, and its stateful signature (None: stateless)."""
    cmd = [str(trailhound), "explain"] + [str(p) for p in paths]
    out = subprocess.run(cmd, capture_output=True, text=True)
    rules = []
    current = None
    for line in out.stdout.splitlines():
        m = RULE_HEAD_RE.match(line)
        if m:
            current = {"name": m.group(1), "file": m.group(2), "line": int(m.group(3)), "sig": None, "fields": {}}
            rules.append(current)
        elif line.startswith("compiled rule set"):
            current = None  # the rule set's own sections follow
        elif current is not None:
            # Only explain's own keys, indented by two: a runbook's wrapped
            # lines are indented too, or not at all.
            m = FIELD_RE.match(line)
            if m and m.group(1) not in current["fields"]:
                current["fields"][m.group(1)] = m.group(2).strip()
    for rule in rules:
        f = rule["fields"]
        if "window" in f:
            rule["sig"] = ("window", f["window"].split(",")[0].strip(),
                           frozenset(x.strip() for x in f.get("group by", "").split(",") if x.strip()))
        elif "then" in f and "first_seen(" in f["then"]:
            m = re.search(r"first_seen\(([^,]+),\s*([^,)]+)", f["then"])
            rule["sig"] = ("first_seen", None, (m.group(1).strip(), m.group(2).strip()) if m else None)
        elif "suppress_by" in f:
            rule["sig"] = ("suppression", None, frozenset(x.strip() for x in f["suppress_by"].split(",")))
    return rules, out.returncode


def strip_stateful(pack_rules, destination):
    """A copy of the pack without its stateful rules (whole files, or their statements cut out)."""
    if destination.exists():
        shutil.rmtree(destination)
    shutil.copytree(PACK, destination)
    by_file = {}
    for rule in pack_rules:
        by_file.setdefault(rule["file"], []).append(rule)
    for file, rules in by_file.items():
        stateful = [r for r in rules if r["sig"]]
        if not stateful:
            continue
        copy = destination / pathlib.Path(file).resolve().relative_to(PACK.resolve())
        if len(stateful) == len(rules):
            copy.unlink()
            continue
        # Cut each stateful statement: from its CREATE line to the line
        # before the next top-level CREATE.
        lines = copy.read_text().splitlines(keepends=True)
        starts = sorted(i for i, text in enumerate(lines) if re.match(r"\s*CREATE\s", text, re.I))
        drop = set()
        for rule in stateful:
            begin = rule["line"] - 1
            after = [s for s in starts if s > begin]
            drop.update(range(begin, after[0] if after else len(lines)))
        copy.write_text("".join(text for i, text in enumerate(lines) if i not in drop))
    return destination


# ---------------------------------------------------------------------------
# Throughput

class Run(rb.Result):
    def __init__(self, label):
        super().__init__(label, "trailhound")
        self.state = ""        # the last status line's state figures
        self.state_dir_bytes = None


def measure(trailhound, rule_paths, data, label, pin, repeat, file_bytes, state_dir_parent=None):
    def once():
        r = Run(label)
        cmd = [str(trailhound), "run", "--threads", "1", "--output", "/dev/null", "--status-interval", "1"]
        for path in rule_paths:
            cmd += ["--rules", str(path)]
        state_dir = None
        if state_dir_parent is not None:
            # A fresh directory every time: a saved state would make the
            # next run skip the records it already applied.
            state_dir = pathlib.Path(tempfile.mkdtemp(prefix="state-", dir=state_dir_parent))
            cmd += ["--state-dir", str(state_dir)]
        cmd.append(str(data))
        try:
            code, _, err, wall, cpu, rss = rb.run_child(cmd, pin, stdout=subprocess.DEVNULL)
            if state_dir is not None:
                r.state_dir_bytes = sum(p.stat().st_size for p in state_dir.rglob("*") if p.is_file())
        finally:
            if state_dir is not None:
                shutil.rmtree(state_dir, ignore_errors=True)
        if not rb.read_summary(r, code, err, wall, cpu, rss, file_bytes):
            return r
        states = STATUS_RE.findall(err)
        if states:
            _, keys, mb, evicted = states[-1]
            r.state = f"{int(keys):,} keys, {float(mb):.1f} MB, {int(evicted):,} evicted"
        if r.state_dir_bytes is not None:
            r.note += f"; state dir {r.state_dir_bytes / 1e6:.1f} MB at the end"
        return r
    return rb.best_of(repeat, once)


def print_throughput(rows, baseline):
    header = ["configuration", "records/s", "MB/s", "vs stateless", "time s", "CPU s", "peak RSS MB", "alerts",
              "state (last status line)", "other CPUs busy", "notes"]
    lines = []
    for r in rows:
        if r.error:
            lines.append([r.label, "error", "", "", "", "", "", "", "", "", " ".join(r.error.split())[-160:]])
            continue
        lines.append([r.label, rb.fmt_rate(r.rate), f"{r.mbps:.0f}",
                      f"{100 * r.rate / baseline.rate:.0f}%" if baseline and not baseline.error else "",
                      f"{r.seconds:.2f}", f"{r.cpu:.2f}" if r.cpu is not None else "",
                      f"{r.rss_mb:.0f}" if r.rss_mb is not None else "",
                      "" if r.alerts is None else str(r.alerts), r.state,
                      "" if r.other_load is None else f"{r.other_load:.2f}", r.note])
    rb.print_markdown(header, lines)


# ---------------------------------------------------------------------------
# State memory

def ensure_memory_data(workdir, records, keys):
    path = workdir / f"state_keys_{records}_{keys}_v{MEMORY_DATA_VERSION}.ndjson"
    if path.exists():
        return path
    print(f"generating {records:,} records with {keys:,} keys -> {path}", flush=True)
    partial = path.with_suffix(".partial")
    with open(partial, "w") as out:
        chunk = []
        for i in range(records):
            k = i % keys
            s = i * 3600 // records
            chunk.append(MEMORY_TEMPLATE % (k, k, k, s // 60, s % 60, k >> 16, (k >> 8) & 255, k & 255, i, i))
            if len(chunk) == 20000:
                out.write("".join(chunk))
                chunk = []
        out.write("".join(chunk))
    partial.rename(path)
    return path


def proc_status(pid):
    fields = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                name, _, value = line.partition(":")
                if name in ("VmHWM", "VmRSS"):
                    fields[name] = int(value.split()[0]) / 1024.0  # kB -> MiB
    except OSError:
        pass
    return fields


class MemoryRun:
    def __init__(self, rule, keys):
        self.rule, self.keys = rule, keys
        self.hwm_mb = self.rss_mb = None
        self.state_keys = self.state_mb = self.evicted = None
        self.load_seconds = None
        self.other_load = None
        self.error = None


def measure_memory(trailhound, rules_file, data, records, keys, max_keys, pin, label):
    """One run over a FIFO kept open after the data until a status line reports every record."""
    r = MemoryRun(label, keys)
    last_line = b""
    with open(data, "rb") as f:
        f.seek(max(0, os.path.getsize(data) - 4096))
        last_line = f.read().rstrip(b"\n").rsplit(b"\n", 1)[-1] + b"\n"
    with tempfile.TemporaryDirectory(prefix="state-bench-") as tmp:
        fifo = pathlib.Path(tmp) / "records.fifo"
        os.mkfifo(fifo)
        cmd = [str(trailhound), "run", "--rules", str(rules_file), "--output", "/dev/null", "--status-interval", "1",
               "--state-max-keys", str(max_keys), str(fifo)]
        preexec = (lambda: os.sched_setaffinity(0, {pin})) if pin is not None else None
        rb.wait_until_quiet()
        stop = threading.Event()

        def feed():
            try:
                with open(fifo, "wb") as out, open(data, "rb") as src:
                    while True:
                        block = src.read(1 << 20)
                        if not block:
                            break
                        out.write(block)
                    out.flush()
                    while not stop.wait(0.2):
                        out.write(last_line)
                        out.flush()
            except (BrokenPipeError, OSError):
                pass

        busy_before = rb.busy_cpu_seconds()
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                text=True, preexec_fn=preexec)
        feeder = threading.Thread(target=feed, daemon=True)
        feeder.start()
        # Never wait forever for a status line: closing the FIFO ends the run.
        watchdog = threading.Timer(MEMORY_RUN_TIMEOUT, stop.set)
        watchdog.start()
        tail = []
        for line in proc.stderr:
            tail = (tail + [line])[-20:]
            m = STATUS_RE.search(line)
            if m and r.hwm_mb is None and int(m.group(1)) >= records:
                status = proc_status(proc.pid)
                r.hwm_mb, r.rss_mb = status.get("VmHWM"), status.get("VmRSS")
                r.state_keys, r.state_mb, r.evicted = int(m.group(2)), float(m.group(3)), int(m.group(4))
                r.load_seconds = time.perf_counter() - started
                stop.set()
        _, status, usage = os.wait4(proc.pid, 0)  # its own rusage
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        stop.set()
        watchdog.cancel()
        feeder.join(timeout=10)
        wall = time.perf_counter() - started
        busy_after = rb.busy_cpu_seconds()
        if busy_before is not None and busy_after is not None and wall > 0:
            # Everything but trailhound, this script's feeder thread included.
            r.other_load = max(0.0, (busy_after - busy_before - usage.ru_utime - usage.ru_stime) / wall)
        if code != 0 or r.hwm_mb is None:
            r.error = f"exit {code}: {''.join(tail).strip()[-500:]}"
    return r


def print_memory(results, baseline_keys):
    header = ["rule", "keys", "peak RSS MiB", "RSS now MiB", "RSS growth MiB", "bytes/key (RSS)", "state estimate MB (1e6)",
              "estimate bytes/key", "estimate / RSS growth", "evicted", "s to load", "other CPUs busy (feeder incl.)"]
    lines = []
    for rule, runs in results.items():
        base = runs.get(baseline_keys)
        for keys, r in sorted(runs.items()):
            if r.error:
                lines.append([rule, f"{keys:,}", "error", "", "", "", "", "", "", "", "", " ".join(r.error.split())[-120:]])
                continue
            growth = per_key = est_per_key = ratio = ""
            if base is not None and not base.error and keys != baseline_keys:
                g = (r.hwm_mb - base.hwm_mb) * 1048576
                e = (r.state_mb - base.state_mb) * 1e6
                growth = f"{g / 1048576:.1f}"
                per_key = f"{g / (keys - baseline_keys):.0f}"
                est_per_key = f"{e / (keys - baseline_keys):.0f}"
                ratio = f"{e / g:.2f}" if g > 0 else ""
            lines.append([rule, f"{keys:,}", f"{r.hwm_mb:.1f}", f"{r.rss_mb:.1f}" if r.rss_mb else "", growth, per_key, f"{r.state_mb:.1f}", est_per_key,
                          ratio, f"{r.evicted:,}", f"{r.load_seconds:.1f}",
                          "" if r.other_load is None else f"{r.other_load:.2f}"])
    rb.print_markdown(header, lines)


# ---------------------------------------------------------------------------
# Profile

def profile(trailhound, rule_paths, data, records, workdir):
    if not shutil.which("perf"):
        print("perf: not installed")
        return
    head = workdir / f"{data.stem}_head{records}.ndjson"
    if not head.exists():
        with open(data, "rb") as src, open(head.with_suffix(".partial"), "wb") as out:
            for i, line in enumerate(src):
                if i >= records:
                    break
                out.write(line)
        head.with_suffix(".partial").rename(head)
    perf_data = workdir / "stateful.perf.data"
    cmd = ["perf", "record", "-q", "-e", "cpu-clock", "-F", "4000", "-g", "-o", str(perf_data), "--",
           str(trailhound), "run", "--threads", "1", "--output", "/dev/null"]
    for path in rule_paths:
        cmd += ["--rules", str(path)]
    cmd.append(str(head))
    rb.wait_until_quiet()
    run = subprocess.run(cmd, capture_output=True, text=True)
    print(run.stderr.strip().splitlines()[-1] if run.stderr.strip() else "")
    report = subprocess.run(["perf", "report", "-i", str(perf_data), "--no-children", "--sort", "symbol",
                             "--stdio", "--percent-limit", "0.7", "-g", "none"], capture_output=True, text=True)
    print(f"perf report --no-children (self time; {perf_data}; `perf report -i` it for call graphs):")
    for line in report.stdout.splitlines():
        if line.strip() and not line.startswith("#"):
            print("  " + line.strip()[:150])


# ---------------------------------------------------------------------------

def git_state():
    def git(*a):
        return subprocess.run(["git", "-C", str(ROOT), *a], capture_output=True, text=True).stdout.rstrip()
    head = git("rev-parse", "--short", "HEAD")
    changed = [line[3:] for line in git("status", "--porcelain", "--", "rules", "core", "cli").splitlines()]
    return (head or "?") + (f" + uncommitted: {', '.join(changed)}" if changed else "")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    rb.add_common_arguments(parser, repeat=3, pin_what="the runs")
    parser.add_argument("--stateful-rules", action="append", metavar="PATH",
                        help="shipped stateful rules loaded beside the pack; repeatable (default rules_stateful/)")
    parser.add_argument("--no-per-rule", action="store_true", help="skip the stateless pack + one rule runs")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--state-records", type=int, default=1000000,
                        help="records per state memory run (default 1000000; at least the largest key count)")
    parser.add_argument("--state-keys", default="1000,100000,1000000",
                        help="distinct keys of the memory runs; the first is the baseline (default 1000,100000,1000000)")
    parser.add_argument("--perf", type=int, metavar="N", help="also profile the pack + stateful rules over N records")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()

    rb.WAIT_QUIET[0] = args.wait_quiet
    build = pathlib.Path(args.build_dir).resolve()
    trailhound = build / "cli" / "trailhound"
    if not trailhound.exists():
        sys.exit(f"stateful_bench: {trailhound} is missing; build first (make bench-state does)")
    workdir = pathlib.Path(args.workdir) if args.workdir else build / "bench-data"
    statedir = workdir / "stateful"
    statedir.mkdir(parents=True, exist_ok=True)
    key_counts = [int(x) for x in args.state_keys.split(",") if x.strip()]
    if max(key_counts) > args.state_records:
        sys.exit("stateful_bench: --state-records must be at least the largest --state-keys")

    started_all = time.perf_counter()
    print(f"machine: {os.cpu_count()} CPUs, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"trailhound: {trailhound} built {time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(trailhound.stat().st_mtime))}"
          f"; tree at {git_state()}")
    failed = False
    report = {}

    # ---- the rules ----
    pack_rules, code = explain_rules(trailhound, [PACK])
    if code != 0 or not pack_rules:
        sys.exit(f"stateful_bench: trailhound explain {PACK} failed")
    pack_stateful = [r for r in pack_rules if r["sig"]]
    extra_paths = [pathlib.Path(p).resolve() for p in args.stateful_rules] if args.stateful_rules is not None else \
        [p for p in [DEFAULT_STATEFUL] if p.exists()]
    extra_rules = []
    if extra_paths:
        extra_rules, code = explain_rules(trailhound, extra_paths)
        if code != 0:
            sys.exit(f"stateful_bench: trailhound explain {' '.join(map(str, extra_paths))} failed")
    shipped_stateful = pack_stateful + [r for r in extra_rules if r["sig"]]

    def describe(rules):
        return ", ".join(f"{r['name']} ({r['sig'][0]}{' ' + r['sig'][1] if r['sig'][1] else ''})" for r in rules)
    print(f"pack {PACK}: {len(pack_rules)} rules, {len(pack_stateful)} stateful"
          + (f": {describe(pack_stateful)}" if pack_stateful else ""))
    for path in extra_paths:
        mine = [r for r in extra_rules if pathlib.Path(r["file"]).resolve().is_relative_to(path)]
        print(f"stateful rules {path}: {len(mine)} rules, {sum(1 for r in mine if r['sig'])} stateful: "
              f"{describe([r for r in mine if r['sig']])}")
    bench_rules = []
    for name, sig, sql in BENCH_RULES:
        twin = next((r["name"] for r in shipped_stateful if r["sig"] == sig), None)
        if twin:
            print(f"  {name}: left out, {twin} is an equivalent")
        else:
            bench_rules.append((name, sql))
    bench_file = statedir / "bench_stateful.sql"
    bench_file.write_text("-- written by bench/stateful_bench.py\n" + "".join(sql for _, sql in bench_rules))
    # Rules to run alone beside the stateless pack: this script's, and the
    # shipped stateful rules that have a file of their own.
    alone = []
    rules_per_file = {}
    for r in pack_rules + extra_rules:
        rules_per_file[r["file"]] = rules_per_file.get(r["file"], 0) + 1
    for r in shipped_stateful:
        if rules_per_file[r["file"]] == 1:
            alone.append((r["name"], pathlib.Path(r["file"])))
        else:
            print(f"  {r['name']}: shares {r['file']} with other rules; no run of its own")
    for name, sql in bench_rules:
        path = statedir / f"{name}.sql"
        path.write_text(sql)
        alone.append((name, path))
    stateless = strip_stateful(pack_rules, statedir / "pack_stateless") if pack_stateful else PACK
    shipped_paths = [PACK] + extra_paths
    all_paths = shipped_paths + ([bench_file] if bench_rules else [])
    checks = [("stateless pack", [stateless]), ("everything", all_paths)]
    for what, paths in checks:
        check = subprocess.run([str(trailhound), "check"] + [str(p) for p in paths], capture_output=True, text=True)
        tail = (check.stdout + check.stderr).strip().splitlines()
        print(f"check {what}: {tail[-1] if tail else ''}" + ("" if check.returncode == 0 else "  <-- ERRORS"))
        failed |= check.returncode != 0

    # ---- throughput ----
    rows, baseline, with_state, saved = [], None, None, None
    if not args.skip_throughput:
        data = rb.ensure_records(trailhound, workdir, args.records, args.seed)
        file_bytes = data.stat().st_size
        with open(data, "rb") as f:  # into the page cache
            while f.read(1 << 24):
                pass

        # (label, rule paths, measure() keywords); run round-robin, one
        # configuration after the other, --repeat rounds, the fastest run of
        # each kept: a drift of the machine's speed then touches every
        # configuration alike, not just those measured during it.
        configs = []
        stateless_count = len(pack_rules) - len(pack_stateful)
        configs.append((f"stateless: pack{' without its stateful rules' if pack_stateful else ''}"
                        f" ({stateless_count} rules)", [stateless], {}))
        if pack_stateful:
            configs.append((f"pack as is ({len(pack_rules)} rules, {len(pack_stateful)} stateful)", [PACK], {}))
        if extra_paths:
            configs.append((f"pack + {' + '.join(p.name + '/' for p in extra_paths)}"
                            f" ({len(pack_rules) + len(extra_rules)} rules, {len(shipped_stateful)} stateful)",
                            shipped_paths, {}))
        total = len(pack_rules) + len(extra_rules) + len(bench_rules)
        main_index = len(configs)
        configs.append((f"stateful: all shipped + {len(bench_rules)} bench rules ({total} rules,"
                        f" {len(shipped_stateful) + len(bench_rules)} stateful)", all_paths, {}))
        configs.append(("same, --state-dir (saved once a second)", all_paths, {"state_dir_parent": statedir}))
        if not args.no_per_rule:
            for name, path in alone:
                configs.append((f"stateless + {name}", [stateless, path], {}))

        best = [None] * len(configs)
        rates = [[] for _ in configs]
        print(f"running {len(configs)} configurations round-robin, {args.repeat} round(s), one run at a time:",
              flush=True)
        for round_index in range(args.repeat):
            for i, (label, paths, kw) in enumerate(configs):
                if best[i] is not None and best[i].error:
                    continue
                r = measure(trailhound, paths, data, label, args.pin, 1, file_bytes, **kw)
                status = r.error or (f"{rb.fmt_rate(r.rate)} records/s, {r.seconds:.2f} s, RSS {r.rss_mb:.0f} MB"
                                     + (f", state {r.state}" if r.state else "")
                                     + (f", other CPUs busy {r.other_load:.2f}" if r.other_load else ""))
                print(f"  [{round_index + 1}/{args.repeat}] {label}: {status}", flush=True)
                if r.error or best[i] is None or r.seconds < best[i].seconds:
                    best[i] = r
                if not r.error:
                    rates[i].append(r.rate)
        for i, r in enumerate(best):
            if not r.error and len(rates[i]) > 1:
                r.note += (f"; median {rb.fmt_rate(statistics.median(rates[i]))},"
                           f" slowest {rb.fmt_rate(min(rates[i]))}")
        rows = best
        baseline, with_state, saved = rows[0], rows[main_index], rows[main_index + 1]
        failed |= any(r.error for r in rows)

        print()
        print(f"stateful rules, throughput: {baseline.records:,} records, {file_bytes / 1e6:.0f} MB ({data.name}),"
              f" one thread, best of {args.repeat}, load average now {os.getloadavg()[0]:.2f}")
        print_throughput(rows, baseline)
        if not baseline.error and not with_state.error:
            ratio = with_state.rate / baseline.rate
            print(f"\n  {'PASS' if ratio >= 0.5 else 'MISS'}  all stateful rules vs stateless pack: {100 * ratio:.0f}%"
                  f" ({rb.fmt_rate(with_state.rate)} vs {rb.fmt_rate(baseline.rate)} records/s, best runs;"
                  f" medians {100 * statistics.median(rates[main_index]) / statistics.median(rates[0]):.0f}%;"
                  f" target >= 50%)"
                  + ("  [noisy]" if max(with_state.other_load or 0, baseline.other_load or 0) > 0.3 else ""))
            if extra_paths and not rows[main_index - 1].error:
                print(f"        the pack + shipped stateful rules alone: {100 * rows[main_index - 1].rate / baseline.rate:.0f}%")
            if not saved.error:
                print(f"        --state-dir costs {100 * (saved.seconds / with_state.seconds - 1):+.0f}% time"
                      f" ({saved.seconds:.2f} s vs {with_state.seconds:.2f} s)")
        report["throughput"] = [{k: getattr(r, k) for k in ("label", "records", "bytes", "seconds", "wall", "cpu",
                                                            "rss_mb", "alerts", "state", "other_load", "note", "error")}
                                | {"records_per_s": r.rate} for r in rows]

    # ---- state memory ----
    if not args.skip_memory:
        print()
        print("state memory (one rule alone; every key held in state):", flush=True)
        results = {}
        max_keys = 2 * max(key_counts)
        for rule, sql in MEMORY_RULES.items():
            rules_file = statedir / f"memory_{rule}.sql"
            rules_file.write_text(sql)
            results[rule] = {}
            for keys in key_counts:
                data_k = ensure_memory_data(statedir, args.state_records, keys)
                r = measure_memory(trailhound, rules_file, data_k, args.state_records, keys, max_keys, args.pin, rule)
                results[rule][keys] = r
                print(f"  {rule} {keys:,} keys: " + (r.error or f"VmHWM {r.hwm_mb:.1f} MB, state {r.state_keys:,} keys "
                                                    f"{r.state_mb:.1f} MB, {r.evicted} evicted"), flush=True)
                failed |= r.error is not None
        print()
        print(f"state memory: {args.state_records:,} records per run (key = record index mod keys), "
              f"growth over the {key_counts[0]:,}-key run of the same rule")
        print_memory(results, key_counts[0])
        report["memory"] = [{"rule": rule, "keys": keys, "vm_hwm_mb": r.hwm_mb, "state_keys": r.state_keys,
                             "state_mb": r.state_mb, "evicted": r.evicted, "error": r.error}
                            for rule, runs in results.items() for keys, r in runs.items()]

    if args.perf:
        print()
        data = rb.ensure_records(trailhound, workdir, args.records, args.seed)
        profile(trailhound, all_paths, data, args.perf, statedir)

    print(f"\ncommand: {' '.join(sys.argv)}")
    print(f"total time {time.perf_counter() - started_all:.0f} s; timings are figures, not tests "
          f"(load average now {os.getloadavg()[0]:.2f}; see bench/README.md for a quiet machine)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
