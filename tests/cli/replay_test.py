#!/usr/bin/env python3
"""`trailhound replay` to a file and to stdout: what a user sees.

Every record goes out once, in input order; --loop K sends the inputs K times;
gzip input, {"Records":[…]} documents and pretty-printed (Firehose) objects come
out as one NDJSON line per record; usage errors exit 2; the status and summary
lines appear on stderr. No test asserts on timings: a slow machine passes too.
(Kafka: tests/kafka/replay_kafka_test.py.)

    replay_test.py PATH/TO/trailhound
"""
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

TRAILHOUND = None


def run(*args, stdin=None, timeout=120):
    return subprocess.run([TRAILHOUND, "replay", *args], input=stdin, capture_output=True, timeout=timeout)


class ReplayTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="th-replay-")
        cls.sample = os.path.join(cls.dir, "sample.ndjson")
        subprocess.run([TRAILHOUND, "gen", "500", "--seed", "5", "--output", cls.sample], check=True)
        with open(cls.sample, "rb") as f:
            cls.lines = f.read().splitlines()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.dir, name)

    def test_stdout_gets_every_record_once_in_order(self):
        result = run(self.sample)
        self.assertEqual(result.returncode, 0, result.stderr.decode())
        self.assertEqual(result.stdout.splitlines(), self.lines)
        self.assertIn(b"trailhound: replay: 500 records", result.stderr)
        self.assertIn(b"0 failed", result.stderr)

    def test_file_destination_and_explicit_stdout(self):
        out = self.path("out.ndjson")
        result = run(self.sample, "--to", out)
        self.assertEqual(result.returncode, 0, result.stderr.decode())
        self.assertEqual(result.stdout, b"")
        with open(out, "rb") as f:
            self.assertEqual(f.read().splitlines(), self.lines)
        self.assertEqual(run(self.sample, "--to", "-").stdout.splitlines(), self.lines)

    def test_loop_sends_the_inputs_k_times(self):
        result = run(self.sample, "--loop", "3")
        self.assertEqual(result.returncode, 0, result.stderr.decode())
        self.assertEqual(result.stdout.splitlines(), self.lines * 3)
        self.assertIn(b"replay: 1500 records", result.stderr)

    def test_several_inputs_keep_their_order(self):
        first, second = self.path("first.ndjson"), self.path("second.ndjson")
        with open(first, "wb") as f:
            f.write(b"\n".join(self.lines[:7]) + b"\n")
        with open(second, "wb") as f:
            f.write(b"\n".join(self.lines[7:20]) + b"\n")
        result = run(first, second)
        self.assertEqual(result.stdout.splitlines(), self.lines[:20])

    def test_gzip_records_document_is_flattened_to_ndjson(self):
        records = [json.loads(line) for line in self.lines[:50]]
        document = self.path("123456789012_CloudTrail_us-east-1.json.gz")
        with gzip.open(document, "wt") as f:
            json.dump({"Records": records}, f, indent=2)  # pretty-printed, as a file that spans lines
        result = run(document)
        self.assertEqual(result.returncode, 0, result.stderr.decode())
        out = result.stdout.splitlines()
        self.assertEqual(len(out), 50)
        self.assertEqual([json.loads(line) for line in out], records)

    def test_pretty_printed_objects_become_one_line_each(self):
        records = [json.loads(line) for line in self.lines[:5]]
        firehose = self.path("firehose.json")
        with open(firehose, "w") as f:
            f.write("".join(json.dumps(r, indent=1) for r in records))  # concatenated, spanning lines
        result = run(firehose)
        self.assertEqual(result.returncode, 0, result.stderr.decode())
        out = result.stdout.splitlines()
        self.assertEqual([json.loads(line) for line in out], records)

    def test_stdin(self):
        result = run(stdin=b"\n".join(self.lines[:10]) + b"\n")
        self.assertEqual(result.returncode, 0, result.stderr.decode())
        self.assertEqual(result.stdout.splitlines(), self.lines[:10])

    def test_paced_replays_send_everything(self):
        # Pace is not asserted (a slow machine may fall behind); content is.
        few = self.path("few.ndjson")
        with open(few, "wb") as f:
            f.write(b"\n".join(self.lines[:30]) + b"\n")
        for pace in (["--rate", "1000"], ["--rate", "2.5e4"], ["--speed", "1e12"]):
            result = run(few, *pace)
            self.assertEqual(result.returncode, 0, (pace, result.stderr.decode()))
            self.assertEqual(result.stdout.splitlines(), self.lines[:30], pace)

    def test_speed_sends_untimed_records_at_once(self):
        records = [b'{"eventName":"A"}', b'{"eventName":"B","eventTime":"not a time"}',
                   b'{"eventName":"C","eventTime":"2023-10-01T00:00:00Z"}']
        data = self.path("untimed.ndjson")
        with open(data, "wb") as f:
            f.write(b"\n".join(records) + b"\n")
        result = run(data, "--speed", "1")
        self.assertEqual(result.returncode, 0, result.stderr.decode())
        self.assertEqual(result.stdout.splitlines(), records)

    def test_status_line_appears_on_a_slow_replay(self):
        few = self.path("status.ndjson")
        with open(few, "wb") as f:
            f.write(b"\n".join(self.lines[:3]) + b"\n")
        result = run(few, "--rate", "2")  # 3 records at 2/s: at least 1 s
        self.assertEqual(result.returncode, 0, result.stderr.decode())
        self.assertRegex(result.stderr.decode(), r"trailhound: replay: \d+ records/s, [\d.]+ MB/s, sent \d+, failed 0")
        self.assertEqual(result.stdout.splitlines(), self.lines[:3])

    def test_measure_json_without_kafka(self):
        out = self.path("measure.json")
        result = run(self.sample, "--to", self.path("m.ndjson"), "--measure-json", out)
        self.assertEqual(result.returncode, 0, result.stderr.decode())
        with open(out) as f:
            summary = json.load(f)
        self.assertEqual(summary["records"], 500)
        self.assertEqual(summary["bytes"], sum(len(line) for line in self.lines))
        self.assertEqual(summary["failed"], 0)
        self.assertNotIn("alerts", summary)

    def test_usage_errors(self):
        cases = [
            ([self.sample, "--rate", "10", "--speed", "2"], "--rate and --speed"),
            ([self.sample, "--rate", "0"], "--rate needs"),
            ([self.sample, "--rate", "fast"], "--rate needs"),
            ([self.sample, "--speed", "-1"], "--speed needs"),
            ([self.sample, "--loop", "x"], "--loop needs"),
            ([self.sample, "--to", "kafka://127.0.0.1:9092"], "is not kafka://BROKERS/TOPIC"),
            ([self.sample, "--to", "kafka:///topic"], "is not kafka://BROKERS/TOPIC"),
            ([self.sample, "--to", "http://example.com/x"], "is not kafka://BROKERS/TOPIC"),
            ([self.sample, "--measure-alerts", "alerts"], "--measure-alerts needs --to kafka://"),
            ([self.sample, "--to", "kafka://127.0.0.1:1/t", "--measure-alerts", "t"], "the alert topic"),
            (["-", "--loop", "2"], "stdin can be read only once"),
            ([self.sample, "-X", "novalue"], "-X needs key=value"),
            ([self.sample, "--frobnicate"], "unknown option --frobnicate"),
        ]
        for args, message in cases:
            result = run(*args, stdin=b"")
            self.assertEqual(result.returncode, 2, args)
            self.assertIn(message, result.stderr.decode(), args)
            self.assertIn("usage: trailhound replay", result.stderr.decode(), args)
        missing = run(self.path("nope.ndjson"))
        self.assertEqual(missing.returncode, 2)
        self.assertEqual(missing.stdout, b"")

    def test_help(self):
        result = run("--help")
        self.assertEqual(result.returncode, 0)
        self.assertIn(b"usage: trailhound replay", result.stdout)
        for flag in [b"--to", b"--rate", b"--speed", b"--loop", b"-X", b"--measure-alerts", b"--measure-timeout",
                     b"--measure-json"]:
            self.assertIn(flag, result.stdout)
        top = subprocess.run([TRAILHOUND, "--help"], capture_output=True)
        self.assertIn(b"trailhound replay", top.stdout)

    def test_bad_records_are_skipped_and_counted(self):
        data = self.path("bad.ndjson")
        with open(data, "wb") as f:
            f.write(self.lines[0] + b"\n" + b"x" * 300 + b"\n" + self.lines[1] + b"\n")
        result = run(data, "--max-record-bytes", "200")
        # lines 0 and 1 are longer than 200 bytes too: everything is skipped
        self.assertEqual(result.returncode, 0, result.stderr.decode())
        self.assertEqual(result.stdout, b"")
        self.assertIn(b"3 skipped", result.stderr)
        result = run(data)
        self.assertEqual(result.stdout.splitlines(), [self.lines[0], b"x" * 300, self.lines[1]])


if __name__ == "__main__":
    TRAILHOUND = sys.argv.pop(1)
    unittest.main(verbosity=1)
