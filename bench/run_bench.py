#!/usr/bin/env python3
"""End-to-end throughput harness: trailhound beside its peers, in one run, on one file.

Generates (or reuses) `trailhound gen N --seed 7` NDJSON in a work directory
under the build directory (never committed), then measures, one after the
other on that same file:

  I/O floor     simdjson_pass --read-only: read(2) and line framing alone
  simdjson      a bare simdjson On-Demand pass reading eventName of every
                record (bench/simdjson_pass.cc), built with the project's
                flags: the parse limit; and the same built for x86-64-v3
  seed          trailhound run, the seed runbook's 3 queries
                (tests/differential/seed_queries.sql)
  pack          trailhound run, the whole shipped rule pack (rules/)
  gen 10/1,000/10,000  trailhound run, rules from bench/gen_rules.py (seed 1)
  pack 2 thr    trailhound run --threads 2, the pack
  DuckDB        python duckdb, threads=1, read_json on the same file, the
                seed's 3 queries one by one (each query reads the file, as a
                runbook query over the logs would)

trailhound runs with --threads 1 (except "pack 2 thr") and --output /dev/null.
Its records/s come from its own summary line (time from the first record to
the end: reading included, loading and compiling the rules not, which the
"startup" column shows). simdjson_pass times itself the same way. DuckDB's
time is the wall time of each query. Peak RSS is per child process (wait4).

Targets (issue 4) are printed with PASS/MISS; the exit status never depends on
timings (only on a configuration failing to run).

Usage:
  bench/run_bench.py [--build-dir build] [--records 1000000] [--repeat 1]
                     [--pin CPU] [--skip-duckdb] [--skip-10000]
  make bench
"""

import argparse
import hashlib
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
SEED_QUERIES = ROOT / "tests" / "differential" / "seed_queries.sql"
PACK = ROOT / "rules"
RULE_SEED = 1

SUMMARY_RE = re.compile(
    r"trailhound: (\d+) records, (\d+) alerts, (\d+) dead letters, ([0-9.]+) s, ([0-9.]+) records/s")
PASS_RE = re.compile(r"(\w+)=(\S+)")


# ---------------------------------------------------------------------------
# DuckDB side (runs in a child process, so that its RSS is its own)

# Used when tests/differential/duckdb_differential.py cannot be imported.
FALLBACK_SCHEMA = {
    "eventVersion": "VARCHAR",
    "userIdentity": "STRUCT(type VARCHAR, principalId VARCHAR, arn VARCHAR, accountId VARCHAR,"
                    " accessKeyId VARCHAR, userName VARCHAR, invokedBy VARCHAR)",
    "eventTime": "TIMESTAMP", "eventSource": "VARCHAR", "eventName": "VARCHAR",
    "awsRegion": "VARCHAR", "sourceIPAddress": "VARCHAR", "userAgent": "VARCHAR",
    "errorCode": "VARCHAR", "errorMessage": "VARCHAR", "requestParameters": "JSON",
    "responseElements": "JSON", "additionalEventData": "JSON", "requestID": "VARCHAR",
    "eventID": "VARCHAR", "readOnly": "BOOLEAN", "eventType": "VARCHAR",
    "recipientAccountId": "VARCHAR",
}


def duck_schema():
    try:
        import importlib.util
        path = ROOT / "tests" / "differential" / "duckdb_differential.py"
        spec = importlib.util.spec_from_file_location("duckdb_differential", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module.SCHEMA
    except Exception:  # pragma: no cover - depends on the tree
        return FALLBACK_SCHEMA


# The seed runbook's queries in DuckDB, with their own SELECT lists, each over
# its own read_json scan of the file ({src}). Query 1 keeps the seed's
# 'YYYY-MM-DD' placeholder and compares eventTime as text with it, as
# trailhound does (README: a literal that is not a date compares as text), so
# both sides select the same records.
DUCK_SEED = [
    ("seed_1", """
SELECT eventName, awsRegion, sourceIPAddress
FROM {src} AS cloudtrail_logs_table
WHERE strftime(eventTime, '%Y-%m-%dT%H:%M:%SZ') >= 'YYYY-MM-DD'
 AND eventName = 'ConsoleLogin'
 AND sourceIPAddress NOT IN ('trusted-ip1', 'trusted-ip2')"""),
    ("seed_2", """
SELECT eventName, userIdentity, requestParameters
FROM {src} AS cloudtrail_logs_table
WHERE eventSource = 'iam.amazonaws.com'
 AND eventName IN ('PutRolePolicy', 'AttachGroupPolicy')"""),
    ("seed_3", """
SELECT requestParameters->>'bucketName' AS bucketName, eventName, eventSource, awsRegion
FROM {src} AS cloudtrail_logs_table
WHERE eventSource = 's3.amazonaws.com'
 AND eventName = 'GetObject'
 AND eventTime BETWEEN '2023-10-01' AND '2023-10-02'"""),
]

# Two pack rules translated for timing (regex over a JSON subtree; an IN list
# and IS NULL): evidence for how much a query's shape changes DuckDB's
# per-query cost, which the per-rule estimate of the pack assumes is the scan.
DUCK_PACK_SAMPLES = [
    ("pack:s3_bucket_policy_public", """
SELECT eventName, awsRegion, sourceIPAddress, userIdentity.arn,
       requestParameters->>'bucketName', requestParameters->'bucketPolicy'
FROM {src} AS cloudtrail
WHERE eventSource = 's3.amazonaws.com'
  AND eventName = 'PutBucketPolicy'
  AND errorCode IS NULL
  AND regexp_matches(CAST(requestParameters->'bucketPolicy'->'Statement' AS VARCHAR),
        '"Effect":"Allow".*"Principal":("\\*"|\\{"AWS":("\\*"|\\[[^\\]]*"\\*"))|"Principal":("\\*"|\\{"AWS":("\\*"|\\[[^\\]]*"\\*")).*"Effect":"Allow"')"""),
    ("pack:cloudtrail_logging_stopped", """
SELECT eventName, requestParameters->>'name', userIdentity.arn, sourceIPAddress
FROM {src} AS cloudtrail
WHERE eventSource = 'cloudtrail.amazonaws.com'
  AND eventName IN ('StopLogging', 'DeleteTrail', 'UpdateTrail', 'PutEventSelectors')
  AND errorCode IS NULL"""),
]


def duckdb_worker(records_path, with_samples):
    import duckdb
    con = duckdb.connect()
    con.execute("SET threads = 1")
    con.execute("SET TimeZone = 'UTC'")
    columns = "{" + ", ".join(f"'{k}': '{v}'" for k, v in duck_schema().items()) + "}"
    path = str(records_path).replace("'", "''")
    src = (f"read_json('{path}', format = 'newline_delimited', columns = {columns},"
           f" maximum_object_size = 16777216)")
    queries = DUCK_SEED + (DUCK_PACK_SAMPLES if with_samples else [])
    results = []
    for name, sql in queries:
        started = time.perf_counter()
        rows = con.execute(sql.replace("{src}", src)).fetchall()
        results.append({"name": name, "seconds": time.perf_counter() - started, "rows": len(rows)})
    print(json.dumps({"duckdb_version": duckdb.__version__, "queries": results}))


# ---------------------------------------------------------------------------
# Measuring children

class Result:
    def __init__(self, label, kind):
        self.label = label
        self.kind = kind          # "simdjson", "trailhound", "duckdb"
        self.records = 0
        self.bytes = 0
        self.seconds = None       # the measured span (see module doc)
        self.wall = None          # whole process
        self.cpu = None           # user + sys of the process
        self.rss_mb = None
        self.alerts = None
        self.note = ""
        self.error = None
        self.other_load = None    # CPUs other processes kept busy meanwhile

    @property
    def rate(self):
        return self.records / self.seconds if self.seconds else 0.0

    @property
    def mbps(self):
        return self.bytes / 1e6 / self.seconds if self.seconds else 0.0


# ru_maxrss of a child forked from Python starts at Python's own RSS (the
# kernel keeps the high-water mark across exec), so peak RSS is taken from GNU
# time, whose own small process is the one that forks the measured command.
GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


def busy_cpu_seconds():
    """CPU-seconds all CPUs spent busy (or stolen by the hypervisor) since boot."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
    except OSError:
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


LAST_OTHER_LOAD = [None]  # CPUs other processes kept busy during the last child
WAIT_QUIET = [0.0]        # --wait-quiet: longest wait for a quiet machine before each run


def wait_until_quiet():
    """Waits (up to --wait-quiet seconds) until other processes use < 0.15 CPUs over 2 s."""
    deadline = time.monotonic() + WAIT_QUIET[0]
    while time.monotonic() < deadline:
        before = busy_cpu_seconds()
        time.sleep(2.0)
        after = busy_cpu_seconds()
        if before is None or after is None or (after - before) / 2.0 < 0.15:
            return


def run_child(cmd, pin=None, stdout=subprocess.PIPE):
    """Runs cmd; returns (returncode, stdout, stderr, wall, cpu, maxrss_mb) of that child alone."""
    preexec = None
    if pin is not None:
        def preexec():  # noqa: E306 - runs in the child
            os.sched_setaffinity(0, {pin})
    with tempfile.TemporaryFile("w+") as out_file, tempfile.TemporaryFile("w+") as err_file, \
            tempfile.NamedTemporaryFile("w+", suffix=".time") as time_file:
        full = cmd
        if GNU_TIME:
            full = [GNU_TIME, "-q", "-o", time_file.name, "-f", "%M %U %S"] + cmd
        wait_until_quiet()
        busy_before = busy_cpu_seconds()
        started = time.perf_counter()
        proc = subprocess.Popen(full, stdin=subprocess.DEVNULL,
                                stdout=out_file if stdout == subprocess.PIPE else stdout,
                                stderr=err_file, preexec_fn=preexec)
        # wait4 instead of Popen.wait: it returns this child's own rusage.
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        busy_after = busy_cpu_seconds()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out_file.seek(0)
        err_file.seek(0)
        out, err = out_file.read(), err_file.read()
        cpu = usage.ru_utime + usage.ru_stime
        maxrss_mb = usage.ru_maxrss / 1024.0
        if GNU_TIME:
            try:
                fields = time_file.read().split()
                maxrss_mb = int(fields[-3]) / 1024.0
                cpu = float(fields[-2]) + float(fields[-1])
            except (ValueError, IndexError):
                pass
        LAST_OTHER_LOAD[0] = None
        if busy_before is not None and busy_after is not None and wall > 0:
            LAST_OTHER_LOAD[0] = max(0.0, (busy_after - busy_before - cpu) / wall)
    return (proc.returncode, out, err, wall, cpu, maxrss_mb)


def best_of(repeat, fn):
    """Runs fn() `repeat` times in a row; keeps the fastest successful result."""
    best = None
    for _ in range(repeat):
        r = fn()
        if r.error:
            return r
        if best is None or r.seconds < best.seconds:
            best = r
    return best


def best_of_rounds(configs, repeat, report):
    """Runs every configuration once per round, for `repeat` rounds (fewer
    for a configuration that asks for fewer), so that a slow spell of a shared
    machine falls on all configurations alike rather than on every repeat of
    one; keeps each one's fastest successful result. `configs` is a list of
    (once, rounds), `once` a no-argument function returning a Result;
    `report(i, best)` is called for each configuration at the end."""
    best = [None] * len(configs)
    for round_index in range(repeat):
        for i, (once, rounds) in enumerate(configs):
            if round_index >= rounds or (best[i] is not None and best[i].error):
                continue
            r = once()
            if best[i] is None or r.error or r.seconds < best[i].seconds:
                best[i] = r
        print(f"  round {round_index + 1} of {repeat} done", flush=True)
    for i, r in enumerate(best):
        report(i, r)
    return best


def simdjson_once(binary, data, label, pin, extra=()):
    def once():
        r = Result(label, "simdjson")
        code, out, err, wall, cpu, rss = run_child([str(binary), *extra, str(data)], pin)
        fields = dict(PASS_RE.findall(out))
        if code != 0 or "records" not in fields:
            r.error = f"exit {code}: {err.strip() or out.strip()}"
            return r
        r.records, r.bytes = int(fields["records"]), int(fields["bytes"])
        r.seconds, r.wall, r.cpu, r.rss_mb = float(fields["seconds"]), wall, cpu, rss
        r.other_load = LAST_OTHER_LOAD[0]
        r.note = (f"kernel {fields.get('builtin')} (runtime: {fields.get('active')})"
                  if fields.get("mode") != "read_only" else "read(2) + line framing, no parsing")
        return r
    return once


def trailhound_once(trailhound, rules, data, label, threads, pin, file_bytes):
    def once():
        r = Result(label, "trailhound")
        cmd = [str(trailhound), "run", "--rules", str(rules), "--output", "/dev/null"]
        if threads is not None:
            cmd += ["--threads", str(threads)]
        cmd.append(str(data))
        code, _, err, wall, cpu, rss = run_child(cmd, pin, stdout=subprocess.DEVNULL)
        read_summary(r, code, err, wall, cpu, rss, file_bytes)
        return r
    return once


def read_summary(r, code, err, wall, cpu, rss, file_bytes):
    """Fills `r` from a `trailhound run` child: its summary line, times, RSS.
    Returns False (with r.error set) when the run failed."""
    m = SUMMARY_RE.search(err)
    if code != 0 or not m:
        r.error = f"exit {code}: {err.strip()[-500:]}"
        return False
    r.records, r.alerts = int(m.group(1)), int(m.group(2))
    r.bytes = file_bytes
    rate = float(m.group(5))
    # The summary prints seconds with 2 decimals; records / rate is finer.
    r.seconds = r.records / rate if rate > 0 else float(m.group(4))
    r.wall, r.cpu, r.rss_mb = wall, cpu, rss
    r.other_load = LAST_OTHER_LOAD[0]
    r.note = f"startup {max(0.0, wall - r.seconds):.2f} s"
    return True


def measure_duckdb(data, records, file_bytes, with_samples, pin):
    cmd = [sys.executable, str(pathlib.Path(__file__).resolve()), "--duckdb-worker", str(data)]
    if with_samples:
        cmd.append("--duckdb-samples")
    code, out, err, wall, cpu, rss = run_child(cmd, pin)
    if code != 0:
        r = Result("DuckDB", "duckdb")
        r.error = f"exit {code}: {err.strip()[-800:]}"
        return [r], None
    payload = json.loads(out.strip().splitlines()[-1])
    results = []
    for q in payload["queries"]:
        r = Result(f"DuckDB {q['name']}", "duckdb")
        r.records, r.bytes, r.seconds = records, file_bytes, q["seconds"]
        r.alerts = q["rows"]
        r.rss_mb = rss
        r.other_load = LAST_OTHER_LOAD[0]  # over the whole DuckDB worker
        results.append(r)
    return results, payload["duckdb_version"]


# ---------------------------------------------------------------------------

def count_pack_rules(trailhound):
    out = subprocess.run([str(trailhound), "check", str(PACK)], capture_output=True, text=True)
    m = re.search(r"(\d+) rules", out.stdout + out.stderr)
    return int(m.group(1)) if m else None


def check_rules(trailhound, path):
    out = subprocess.run([str(trailhound), "check", str(path)], capture_output=True, text=True)
    tail = (out.stdout + out.stderr).strip().splitlines()
    return out.returncode, tail[-1] if tail else ""


def ensure_records(trailhound, workdir, count, seed):
    """The generated file, reused while the generator still gives the same records."""
    data = workdir / f"records_{count}_seed{seed}.ndjson"
    stamp = data.with_suffix(".ok")
    # A fingerprint of the generator: its output for a small count.
    sample = subprocess.run([str(trailhound), "gen", "2000", "--seed", str(seed)], capture_output=True, check=True)
    wanted = f"{count} {seed} {hashlib.sha256(sample.stdout).hexdigest()}"
    if data.exists() and stamp.exists() and stamp.read_text().strip() == wanted:
        print(f"reusing {data} ({data.stat().st_size / 1e6:.0f} MB)")
        return data
    print(f"generating {count} records (seed {seed}) -> {data}", flush=True)
    started = time.perf_counter()
    stamp.unlink(missing_ok=True)
    subprocess.run([str(trailhound), "gen", str(count), "--seed", str(seed), "--output", str(data)], check=True)
    stamp.write_text(wanted + "\n")
    print(f"  {data.stat().st_size / 1e6:.0f} MB in {time.perf_counter() - started:.1f} s")
    return data


def ensure_rules(workdir, count):
    path = workdir / f"rules_{count}_seed{RULE_SEED}.sql"
    if not path.exists() or path.stat().st_mtime < (HERE / "gen_rules.py").stat().st_mtime:
        subprocess.run([sys.executable, str(HERE / "gen_rules.py"), str(count), "--seed", str(RULE_SEED),
                        "--output", str(path)], check=True)
    return path


def fmt_rate(x):
    if x >= 1e6:
        return f"{x / 1e6:.2f} M"
    if x >= 1e3:
        return f"{x / 1e3:.1f} k"
    return f"{x:.0f}"


def print_table(rows, limit_rate):
    header = ["configuration", "records/s", "MB/s", "vs simdjson", "time s", "CPU s", "peak RSS MB",
              "alerts/rows", "other CPUs busy", "notes"]
    lines = []
    for r in rows:
        if r.error:
            lines.append([r.label, "error", "", "", "", "", "", "", "", " ".join(r.error.split())[-160:]])
            continue
        lines.append([
            r.label,
            fmt_rate(r.rate),
            f"{r.mbps:.0f}",
            f"{r.rate / limit_rate:.2f}" if limit_rate else "",
            f"{r.seconds:.2f}",
            f"{r.cpu:.2f}" if r.cpu is not None else "",
            f"{r.rss_mb:.0f}" if r.rss_mb is not None else "",
            "" if r.alerts is None else str(r.alerts),
            "" if r.other_load is None else f"{r.other_load:.2f}",
            r.note,
        ])
    print_markdown(header, lines)


def print_markdown(header, lines):
    """A Markdown table, columns padded to their widest cell."""
    widths = [max(len(h), *(len(line[i]) for line in lines)) if lines else len(h) for i, h in enumerate(header)]
    def row(cells):  # noqa: E306
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"
    print(row(header))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for line in lines:
        print(row(line))


def add_common_arguments(parser, repeat, pin_what):
    """The options every harness here takes (stateful_bench.py too)."""
    parser.add_argument("--build-dir", default=str(ROOT / "build"))
    parser.add_argument("--records", type=int, default=1000000, help="records to generate (default 1000000)")
    parser.add_argument("--seed", type=int, default=7, help="trailhound gen seed (default 7)")
    parser.add_argument("--workdir", help="where data and rules go (default BUILD_DIR/bench-data)")
    parser.add_argument("--repeat", type=int, default=repeat,
                        help=f"runs per configuration, fastest kept (default {repeat})")
    parser.add_argument("--pin", type=int, help=f"pin {pin_what} to this CPU (sched_setaffinity)")
    parser.add_argument("--wait-quiet", type=float, default=0, metavar="SECONDS",
                        help="before each run, wait up to this long for other processes to go quiet")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_common_arguments(parser, repeat=1, pin_what="single-thread runs")
    parser.add_argument("--skip-duckdb", action="store_true")
    parser.add_argument("--skip-10000", action="store_true", help="leave out the 10,000-rule run")
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument("--duckdb-worker", metavar="FILE", help=argparse.SUPPRESS)
    parser.add_argument("--duckdb-samples", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.duckdb_worker:
        duckdb_worker(args.duckdb_worker, args.duckdb_samples)
        return 0

    WAIT_QUIET[0] = args.wait_quiet
    build = pathlib.Path(args.build_dir).resolve()
    trailhound = build / "cli" / "trailhound"
    simdjson_pass = build / "bench" / "simdjson_pass"
    simdjson_pass_v3 = build / "bench" / "simdjson_pass_haswell"
    for binary in (trailhound, simdjson_pass):
        if not binary.exists():
            sys.exit(f"run_bench: {binary} is missing; build first (make bench does)")
    workdir = pathlib.Path(args.workdir) if args.workdir else build / "bench-data"
    workdir.mkdir(parents=True, exist_ok=True)

    help_text = subprocess.run([str(trailhound), "run", "--help"], capture_output=True, text=True).stdout
    has_threads = "--threads" in help_text
    one_thread = 1 if has_threads else None

    started_all = time.perf_counter()
    print(f"machine: {os.cpu_count()} CPUs, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    data = ensure_records(trailhound, workdir, args.records, args.seed)
    file_bytes = data.stat().st_size
    # Warm the page cache so that no configuration pays for the disk.
    with open(data, "rb") as f:
        while f.read(1 << 24):
            pass

    gen_counts = [10, 1000] + ([] if args.skip_10000 else [10000])
    gen_rules = {}
    for count in gen_counts:
        gen_rules[count] = ensure_rules(workdir, count)
        code, tail = check_rules(trailhound, gen_rules[count])
        print(f"check {gen_rules[count].name}: {tail}" + ("" if code == 0 else "  <-- ERRORS"))
    pack_rules = count_pack_rules(trailhound)

    rows = []

    def add(result):
        rows.append(result)
        status = result.error or (f"{fmt_rate(result.rate)} records/s, {result.seconds:.2f} s" +
                                  (f", RSS {result.rss_mb:.0f} MB" if result.rss_mb else ""))
        print(f"  {result.label}: {status}", flush=True)

    print(f"running (round robin: each of {args.repeat} rounds runs every configuration once, one at a time):",
          flush=True)
    configs = [
        (simdjson_once(simdjson_pass, data, "I/O floor: read + frame lines only", args.pin, ["--read-only"]),
         args.repeat),
        (simdjson_once(simdjson_pass, data, "simdjson On-Demand pass (parse limit)", args.pin), args.repeat),
    ]
    if simdjson_pass_v3.exists():
        configs.append((simdjson_once(simdjson_pass_v3, data, "simdjson pass, x86-64-v3 build", args.pin), args.repeat))
    seed_index = len(configs)
    configs.append((trailhound_once(trailhound, SEED_QUERIES, data, "trailhound: seed's 3 queries", one_thread,
                                    args.pin, file_bytes), args.repeat))
    configs.append((trailhound_once(trailhound, PACK, data, f"trailhound: shipped pack ({pack_rules} rules)",
                                    one_thread, args.pin, file_bytes), args.repeat))
    gen_index = {}
    for count in gen_counts:
        gen_index[count] = len(configs)
        configs.append((trailhound_once(trailhound, gen_rules[count], data, f"trailhound: {count:,} generated rules",
                                        one_thread, args.pin, file_bytes), 1 if count >= 10000 else args.repeat))
    if has_threads:
        configs.append((trailhound_once(trailhound, PACK, data, "trailhound: pack, --threads 2", 2, None, file_bytes),
                        args.repeat))
    results = best_of_rounds(configs, args.repeat, lambda i, r: add(r))
    limit = results[1]
    seed, pack = results[seed_index], results[seed_index + 1]
    gen = {count: results[i] for count, i in gen_index.items()}
    pack2 = results[-1] if has_threads else None
    duck_rows, duck_version = [], None
    if not args.skip_duckdb:
        try:
            import duckdb  # noqa: F401
            # As many runs as trailhound's configurations get, each query's
            # fastest kept: the same treatment on both sides of a ratio.
            for _ in range(args.repeat):
                rows_now, duck_version = measure_duckdb(data, limit.records, file_bytes, True, args.pin)
                if not duck_rows:
                    duck_rows = rows_now
                    continue
                for i, r in enumerate(rows_now):
                    if not r.error and (duck_rows[i].error or r.seconds < duck_rows[i].seconds):
                        duck_rows[i] = r
        except ImportError:
            print("  DuckDB: python package duckdb missing (scripts/install-deps.sh installs it)")
        for r in duck_rows:
            add(r)

    # Derived DuckDB lines: the seed's 3 queries one by one, and the pack's
    # rules one by one (extrapolated from the mean measured per-query time).
    duck_seed = [r for r in duck_rows if not r.error and r.label.startswith("DuckDB seed_")]
    duck_all = [r for r in duck_rows if not r.error]
    duck_seed_total = duck_pack_total = None
    if len(duck_seed) == 3:
        total = Result("DuckDB: seed's 3 queries one by one (sum)", "duckdb")
        total.records, total.bytes = limit.records, file_bytes
        total.seconds = sum(r.seconds for r in duck_seed)
        total.alerts = sum(r.alerts for r in duck_seed)
        total.rss_mb = duck_seed[0].rss_mb
        total.note = "threads=1, each query reads the file"
        duck_seed_total = total
        rows.append(total)
    if duck_all and pack_rules:
        mean = sum(r.seconds for r in duck_all) / len(duck_all)
        est = Result(f"DuckDB: pack one rule per query (ESTIMATE: {pack_rules} x mean query)", "duckdb")
        est.records, est.bytes = limit.records, file_bytes
        est.seconds = mean * pack_rules
        est.note = f"extrapolated from {len(duck_all)} measured queries, mean {mean:.2f} s"
        duck_pack_total = est
        rows.append(est)

    print()
    print(f"trailhound benchmark: {limit.records:,} records, {file_bytes / 1e6:.0f} MB ({data.name}),"
          f" {os.cpu_count()} CPUs, load average now {os.getloadavg()[0]:.2f}"
          + (f", duckdb {duck_version}" if duck_version else ""))
    print(f"command: {' '.join(sys.argv)}")
    print()
    print_table(rows, limit.rate if not limit.error else 0)

    # ---- targets ----
    print()
    print("targets (issue 4; one thread unless said):")

    def noise(*results):
        loads = [r.other_load for r in results if r is not None and r.other_load is not None]
        worst = max(loads) if loads else 0.0
        return f"  [noisy: other processes kept {worst:.2f} CPUs busy]" if worst > 0.3 else ""

    def target(name, ok_value, goal, fmt, measured_desc, *results):
        if ok_value is None:
            print(f"  n/a   {name}: {measured_desc}")
            return
        verdict = "PASS" if ok_value >= goal else "MISS"
        print(f"  {verdict}  {name}: {fmt(ok_value)} (target >= {fmt(goal)}){measured_desc}{noise(*results)}")

    def ok(r):
        return r is not None and not r.error and r.seconds

    pct = lambda x: f"{100 * x:.0f}%"  # noqa: E731
    times = lambda x: f"{x:.1f}x"  # noqa: E731
    target("pack vs bare simdjson pass (records/s)", pack.rate / limit.rate if ok(pack) and ok(limit) else None,
           0.5, pct, "", pack, limit)
    target("seed's 3 queries vs DuckDB one by one",
           duck_seed_total.seconds / seed.seconds if ok(seed) and duck_seed_total else None, 8, times,
           "" if duck_seed_total else "DuckDB not run", seed, *duck_seed)
    target("pack vs DuckDB one rule per query (ESTIMATED DuckDB side)",
           duck_pack_total.seconds / pack.seconds if ok(pack) and duck_pack_total else None, 100, times,
           "" if duck_pack_total else "DuckDB not run", pack, *duck_all)
    g10 = gen.get(10)
    target("1,000 rules vs 10 rules (records/s)",
           gen[1000].rate / g10.rate if ok(gen.get(1000)) and ok(g10) else None, 0.5, pct, "",
           gen.get(1000), g10)
    target("10,000 rules vs 10 rules (records/s)",
           gen[10000].rate / g10.rate if ok(gen.get(10000)) and ok(g10) else None, 0.25, pct,
           "" if 10000 in gen else "skipped", gen.get(10000), g10)
    r1000 = gen.get(1000)
    if ok(r1000):
        verdict = "PASS" if r1000.rss_mb < 200 else "MISS"
        print(f"  {verdict}  peak RSS at 1,000 rules: {r1000.rss_mb:.0f} MB (target < 200 MB)")
    target("pack --threads 2 vs --threads 1", pack2.rate / pack.rate if ok(pack2) and ok(pack) else None, 1.7,
           times, "" if has_threads else "trailhound run has no --threads yet", pack2, pack)
    print(f"\ntotal harness time {time.perf_counter() - started_all:.0f} s; timings are figures, not tests "
          f"(load average now {os.getloadavg()[0]:.2f}; see bench/README.md for a quiet machine)")

    if args.json:
        with open(args.json, "w") as f:
            json.dump([{k: getattr(r, k) for k in ("label", "records", "bytes", "seconds", "wall", "cpu", "rss_mb",
                                                   "alerts", "other_load", "note", "error")} | {"records_per_s": r.rate}
                       for r in rows], f, indent=1)
    return 1 if any(r.error for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
