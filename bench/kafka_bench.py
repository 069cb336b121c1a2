#!/usr/bin/env python3
"""Kafka end-to-end benchmark: trailhound run between real topics, fed by trailhound replay.

Starts a throwaway KRaft broker (scripts/kafka/broker.sh), generates records
(`trailhound gen N --seed 7`, reused from the work directory when present),
creates the topics `cloudtrail`, `alerts` and `dead-letters`, and starts the
pipeline under test in the background:

  trailhound run --rules rules/ --kafka-brokers B --kafka-topic cloudtrail
                 --kafka-group bench --output kafka://B/alerts
                 --dead-letter kafka://B/dead-letters

First a warm-up, not in the table: the data once at 20,000 records/s, so
that the broker's JVM has compiled its hot paths and every client is connected
(a cold broker adds up to ~700 ms to the first seconds' alerts). Then, one
configuration after the other (the pipeline keeps running):

  trailhound replay DATA --to kafka://B/cloudtrail [--rate R] [--loop K]
                    --measure-alerts alerts --measure-json FILE

at 10,000 and 50,000 records/s (each about --seconds long, the data looped as
often as needed) and as fast as possible (the data --max-loop times, 3). Per configuration it
prints what replay sent (records/s, MB/s, over send + acknowledgement), the
end-to-end alert latency (p50, p95, p99, max: from handing a record to the
producer to receiving its alert), and the pipeline's rate: records / the time
from the first send to the last alert seen. In the full-speed row that is the
maximum sustained rate of the pipeline, as well as the alerts can tell (the
last records may not alert; the estimate is then a little high).

Everything it starts is stopped at the end, also on failure or Ctrl-C (the
broker's watcher and the pipeline's parent-death signal cover SIGKILL). The
exit status never depends on timings: 0 when every configuration ran and every
record was acknowledged.

Usage:
  bench/kafka_bench.py [--build-dir build] [--records 200000] [--rates 10000,50000,max]
                       [--seconds 20] [--max-loop 3] [--rules rules/] [--partitions 4]
                       [--threads 1] [--bootstrap HOST:PORT] [--json FILE]
  make bench-kafka
"""

import argparse
import ctypes
import json
import math
import os
import pathlib
import signal
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
KAFKA = ROOT / "scripts" / "kafka"
SEED = 7


class Failure(Exception):
    pass


def log(message):
    print(f"kafka_bench: {message}", file=sys.stderr, flush=True)


def die_with_parent():
    """preexec_fn: the child gets SIGTERM when this script dies (even by SIGKILL)."""
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def ensure_records(trailhound, workdir, count):
    path = workdir / f"gen-{count}-seed{SEED}.ndjson"
    if not path.exists():
        log(f"generating {count} records into {path}")
        partial = path.with_suffix(".partial")
        subprocess.run([trailhound, "gen", str(count), "--seed", str(SEED), "--output", str(partial)], check=True)
        partial.rename(path)
    return path


def create_topics(bootstrap, partitions):
    for topic, count in (("cloudtrail", partitions), ("alerts", partitions), ("dead-letters", 1)):
        subprocess.run([str(KAFKA / "tool.sh"), "topics", "--bootstrap-server", bootstrap, "--create",
                        "--if-not-exists", "--topic", topic, "--partitions", str(count), "--replication-factor", "1"],
                       check=True, stdout=subprocess.DEVNULL)


class Pipeline:
    """trailhound run, in the background, its stderr in a log file."""

    def __init__(self, trailhound, rules, bootstrap, threads, log_path):
        self.log_path = log_path
        self.log_file = open(log_path, "wb")
        cmd = [trailhound, "run", "--rules", str(rules), "--kafka-brokers", bootstrap, "--kafka-topic", "cloudtrail",
               "--kafka-group", "bench", "--output", f"kafka://{bootstrap}/alerts",
               "--dead-letter", f"kafka://{bootstrap}/dead-letters", "--status-interval", "5"]
        if threads:
            cmd += ["--threads", str(threads)]
        log("starting: " + " ".join(cmd))
        self.process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=self.log_file,
                                        preexec_fn=die_with_parent)

    def tail(self, lines=15):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def check_alive(self):
        if self.process.poll() is not None:
            raise Failure(f"trailhound run exited with {self.process.returncode}:\n{self.tail()}")

    def wait_joined(self, timeout=90):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            if "kafka: assigned" in self.log_path.read_text(errors="replace"):
                return
            time.sleep(0.2)
        raise Failure(f"trailhound run got no partitions within {timeout} s:\n{self.tail()}")

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # flush, commit, leave the group
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log_file.close()


def replay(trailhound, data, bootstrap, rate, loops, measure_timeout, workdir, label):
    measure = workdir / f"replay-{label}.json"
    cmd = [trailhound, "replay", str(data), "--to", f"kafka://{bootstrap}/cloudtrail",
           "--measure-alerts", "alerts", "--measure-json", str(measure), "--measure-timeout", str(measure_timeout)]
    if rate:
        cmd += ["--rate", str(rate)]
    if loops != 1:
        cmd += ["--loop", str(loops)]
    log(f"{label}: " + " ".join(cmd))
    stderr_path = workdir / f"replay-{label}.err"
    with open(stderr_path, "wb") as err:
        result = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=err)
    lines = stderr_path.read_text(errors="replace").splitlines()
    for line in lines[-2:]:
        log(f"{label}: {line}")
    if result.returncode != 0:
        raise Failure(f"replay ({label}) exited with {result.returncode}:\n" + "\n".join(lines[-15:]))
    return json.loads(measure.read_text())


def fmt_rate(x):
    if x is None:
        return "-"
    return f"{x / 1e6:.2f} M" if x >= 1e6 else f"{x / 1e3:.1f} k" if x >= 1e3 else f"{x:.0f}"


def fmt_ms(x):
    return "-" if x is None else f"{x:.1f}"


def row_of(label, target, summary):
    alerts = summary.get("alerts") or {}
    latency = alerts.get("latency_ms") or {}
    last_alert = alerts.get("last_alert_s")
    span = max(summary["seconds"], last_alert or 0)
    return {
        "configuration": label,
        "target_rate": target,
        "records": summary["records"],
        "sent_records_per_s": summary["records_per_s"],
        "sent_mb_per_s": summary["mb_per_s"],
        "pipeline_records_per_s": summary["records"] / span if last_alert else None,
        "alerts_seen": alerts.get("seen"),
        "alerts_matched": alerts.get("matched"),
        "p50_ms": latency.get("p50"),
        "p95_ms": latency.get("p95"),
        "p99_ms": latency.get("p99"),
        "max_ms": latency.get("max"),
        "failed": summary["failed"],
    }


def print_table(rows, records_bytes):
    header = ["configuration", "records", "sent records/s", "sent MB/s", "pipeline records/s",
              "alerts (matched)", "p50 ms", "p95 ms", "p99 ms", "max ms"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in rows:
        cells = [r["configuration"], str(r["records"]), fmt_rate(r["sent_records_per_s"]),
                 f"{r['sent_mb_per_s']:.1f}", fmt_rate(r["pipeline_records_per_s"]),
                 f"{r['alerts_matched']} ({r['alerts_seen']} seen)", fmt_ms(r["p50_ms"]), fmt_ms(r["p95_ms"]),
                 fmt_ms(r["p99_ms"]), fmt_ms(r["max_ms"])]
        print("| " + " | ".join(cells) + " |")
    print(f"\n(records of {records_bytes / 1e3:.2f} kB on average; MB = 10^6 bytes of record text)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build-dir", default=str(ROOT / "build"))
    parser.add_argument("--records", type=int, default=200000, help="records to generate (default 200000)")
    parser.add_argument("--rates", default="10000,50000,max",
                        help="comma-separated records/s; 'max' = as fast as possible (default 10000,50000,max)")
    parser.add_argument("--seconds", type=float, default=20,
                        help="approximate length of each paced configuration (default 20)")
    parser.add_argument("--max-loop", type=int, default=3,
                        help="how often the full-speed configuration sends the data (default 3)")
    parser.add_argument("--rules", default=str(ROOT / "rules"), help="rules of the pipeline (default rules/)")
    parser.add_argument("--partitions", type=int, default=4, help="partitions of cloudtrail and alerts (default 4)")
    parser.add_argument("--threads", type=int, default=0, help="trailhound run --threads (default: its own)")
    parser.add_argument("--no-warmup", dest="warmup", action="store_false",
                        help="skip the warm-up pass (the data once at 20,000/s, not in the table)")
    parser.add_argument("--measure-timeout", type=float, default=60,
                        help="replay --measure-timeout: wait for late alerts (default 60)")
    parser.add_argument("--bootstrap", help="use this broker instead of starting one (topics must be fresh)")
    parser.add_argument("--workdir", help="data and logs (default BUILD_DIR/bench-kafka)")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()

    build = pathlib.Path(args.build_dir).resolve()
    trailhound = str(build / "cli" / "trailhound")
    if not os.access(trailhound, os.X_OK):
        sys.exit(f"kafka_bench: no {trailhound}; build first (make build)")
    rates = []
    for item in args.rates.split(","):
        item = item.strip()
        rates.append(None if item == "max" else float(item))
    workdir = pathlib.Path(args.workdir) if args.workdir else build / "bench-kafka"
    workdir.mkdir(parents=True, exist_ok=True)

    # SIGTERM/SIGHUP end the run through the finally blocks, as Ctrl-C does.
    def terminate(signum, frame):  # noqa: ARG001
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, terminate)
    signal.signal(signal.SIGHUP, terminate)

    state = None
    pipeline = None
    rows = []
    try:
        data = ensure_records(trailhound, workdir, args.records)
        records_bytes = data.stat().st_size / args.records
        bootstrap = args.bootstrap
        if not bootstrap:
            if subprocess.run([str(KAFKA / "fetch.sh")]).returncode != 0:
                raise Failure("scripts/kafka/fetch.sh failed (Java 17+ and Maven are needed)")
            state = tempfile.mktemp(prefix="trailhound-kafka-bench.")
            started = subprocess.run([str(KAFKA / "broker.sh"), "start", "--state", state, "--owner", str(os.getpid()),
                                      "--set", f"num.partitions={args.partitions}"],
                                     capture_output=True, text=True)
            if started.returncode != 0:
                state = None
                raise Failure("the broker did not start:\n" + started.stderr)
            bootstrap = started.stdout.strip().removeprefix("BOOTSTRAP=")
            log(f"broker at {bootstrap}")
        create_topics(bootstrap, args.partitions)
        pipeline = Pipeline(trailhound, args.rules, bootstrap, args.threads, workdir / "run.err")
        pipeline.wait_joined()

        if args.warmup:
            replay(trailhound, data, bootstrap, 20000, 1, args.measure_timeout, workdir, "warm-up")
        for rate in rates:
            label = "max" if rate is None else f"{rate:g}/s"
            loops = args.max_loop if rate is None else max(1, math.ceil(rate * args.seconds / args.records))
            pipeline.check_alive()
            summary = replay(trailhound, data, bootstrap, rate, loops, args.measure_timeout, workdir,
                             "max" if rate is None else f"{rate:g}")
            pipeline.check_alive()
            name = "as fast as possible" if rate is None else f"--rate {rate:g}"
            rows.append(row_of(name, rate, summary))
            if summary["failed"] or summary["acknowledged"] != summary["records"]:
                raise Failure(f"{label}: {summary['failed']} records failed")
    except Failure as failure:
        log(f"FAILED: {failure}")
        return 1
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        if pipeline:
            pipeline.stop()
            log(f"pipeline log: {pipeline.log_path}")
        if state:
            subprocess.run([str(KAFKA / "broker.sh"), "stop", "--state", state])
        if rows:
            print()
            print_table(rows, records_bytes)
            if args.json:
                pathlib.Path(args.json).write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
