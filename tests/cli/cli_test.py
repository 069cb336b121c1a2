#!/usr/bin/env python3
"""End-to-end checks of the trailhound executable: what a user sees.

--help on every command; check's caret diagnostics and exit codes; a file with
garbage lines gives alerts for the good lines and dead letters for the rest;
--threads never changes the output; gzip and Records documents; stdin.
"""
import gzip
import json
import os
import subprocess
import sys
import tempfile
import unittest

TRAILHOUND = None
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run(*args, stdin=None, check=False):
    return subprocess.run([TRAILHOUND, *args], input=stdin, capture_output=True, check=check, timeout=120)


class CliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="th-cli-")
        cls.sample = os.path.join(cls.dir, "sample.ndjson")
        run("gen", "30000", "--seed", "11", "--output", cls.sample, check=True)

    def path(self, name):
        return os.path.join(self.dir, name)

    def test_kafka_settings_never_print_secret_values(self):
        kafka = ["run", "--rules", os.path.join(REPO, "rules"), "--kafka-brokers", "127.0.0.1:1", "--kafka-topic", "t", "--kafka-group", "g"]
        for bad in (["-X", "no.such.setting=zz"], ["-X", "security.protocol=hunter2"], ["-Xsasl.password"],
                    ["--output", "kafka://nobroker"]):
            with self.subTest(bad=bad):
                result = run(*kafka, "-X", "sasl.password=hunter2", "-X", "ssl.key.password=hunter2", *bad)
                self.assertEqual(result.returncode, 2, result.stderr)
                self.assertNotIn(b"hunter2", result.stderr + result.stdout)
                self.assertIn(b"trailhound: ", result.stderr)

    def test_help_on_every_command(self):
        for command in ["run", "check", "explain", "gen"]:
            result = run(command, "--help")
            self.assertEqual(result.returncode, 0, command)
            self.assertIn(b"usage: trailhound " + command.encode(), result.stdout)
        self.assertEqual(run("--help").returncode, 0)
        self.assertEqual(run("frobnicate").returncode, 2)

    def test_broken_rule_file_prints_caret_diagnostics(self):
        rules = self.path("broken.sql")
        with open(rules, "w") as f:
            f.write("SELECT eventName FROM cloudtrail\nWHERE eventNmae = 'ConsoleLogin' AND lowr(userAgent) = 'x';\n")
        result = run("check", rules)
        self.assertEqual(result.returncode, 1)
        err = result.stderr.decode()
        self.assertIn(rules + ":2:7: warning TH2001: unknown field 'eventNmae'", err)
        self.assertIn("      ^~~~~~~~~\n  hint: did you mean 'eventName'?", err)
        self.assertIn(rules + ":2:38: error TH1003: unknown function 'lowr'", err)
        self.assertIn("hint: did you mean 'lower'?", err)
        # run refuses rules with errors
        self.assertEqual(run("run", "--rules", rules, self.sample).returncode, 1)

    def test_shipped_rules_check_clean(self):
        result = run("check", os.path.join(REPO, "rules"))
        self.assertEqual(result.returncode, 0, result.stderr.decode())

    def test_garbage_lines_become_dead_letters_and_good_lines_alert(self):
        data = self.path("mixed.ndjson")
        good = {"eventID": "good-1", "eventName": "ConsoleLogin", "sourceIPAddress": "192.0.2.1",
                "eventTime": "2023-10-01T03:00:00Z"}
        with open(data, "w") as f:
            f.write(json.dumps(good) + "\n")
            f.write("this is not json\n\n")
            f.write('{"eventID":"no-name"}\n')
            f.write(json.dumps(dict(good, eventID="good-2")) + "\n")
        rules = self.path("login.sql")
        with open(rules, "w") as f:
            f.write("CREATE RULE login AS SELECT sourceIPAddress FROM cloudtrail WHERE eventName = 'ConsoleLogin';\n")
        dead = self.path("dead.ndjson")
        result = run("run", "--rules", rules, "--dead-letter", dead, data)
        self.assertEqual(result.returncode, 0, result.stderr)
        alerts = [json.loads(line) for line in result.stdout.decode().splitlines()]
        self.assertEqual([a["eventID"] for a in alerts], ["good-1", "good-2"])
        self.assertEqual(alerts[0]["fields"], {"sourceIPAddress": "192.0.2.1"})
        self.assertEqual(alerts[1]["source"], {"file": data, "record": 3, "offset": len(json.dumps(good)) + 1 + 17 + 1 + 22, "line": 5})
        with open(dead) as f:
            letters = [json.loads(line) for line in f]
        self.assertEqual([(l["reason"], l["source"]["line"]) for l in letters],
                         [("invalid_json", 2), ("missing_eventName", 4)])
        self.assertEqual(letters[0]["raw"], "this is not json")
        self.assertIn("4 records, 2 alerts, 2 dead letters", result.stderr.decode())

    def test_threads_do_not_change_the_output(self):
        outputs = []
        for threads in ["1", "2", "3"]:
            alerts, dead = self.path(f"a{threads}.ndjson"), self.path(f"d{threads}.ndjson")
            result = run("run", "--rules", os.path.join(REPO, "rules"), "--threads", threads, "--output", alerts,
                         "--dead-letter", dead, self.sample, self.sample)
            self.assertEqual(result.returncode, 0, result.stderr)
            with open(alerts, "rb") as a, open(dead, "rb") as d:
                outputs.append((a.read(), d.read()))
        self.assertGreater(outputs[0][0].count(b"\n"), 100)
        self.assertEqual(outputs[0], outputs[1])
        self.assertEqual(outputs[0], outputs[2])

    def test_threads_keep_the_engine(self):
        # The engines differ on a record simdjson cannot parse whole: the
        # compiled one takes the SELECTed fields from its walk, the reference
        # interpreter has no record to read them from. Several threads must
        # use the engine asked for.
        rules, records = self.path("engine.sql"), self.path("engine.ndjson")
        with open(rules, "w") as f:
            f.write("CREATE RULE r AS SELECT eventName FROM t WHERE eventName = 'PutMetricData';\n")
        with open(records, "w") as f:
            f.write('{"eventID":"e1","eventName":"PutMetricData","requestParameters":{"n":123456789012345678901234567890}}\n')
        for engine, fields in (("compiled", {"eventName": "PutMetricData"}), ("reference", None)):
            for threads in ["1", "2"]:
                with self.subTest(engine=engine, threads=threads):
                    result = run("run", "--rules", rules, "--engine", engine, "--threads", threads, records)
                    self.assertEqual(result.returncode, 0, result.stderr)
                    alert = json.loads(result.stdout)
                    self.assertEqual(alert["fields"], fields)
                    self.assertEqual("fields_error" in alert, fields is None)

    def test_threads_keep_dead_letters_in_place(self):
        # Bad lines all through the input, in many batches: those the reader
        # rejects (too large) and those matching rejects (not JSON) must come
        # out where one thread puts them, between the alerts.
        with open(self.sample) as f:
            lines = f.read().splitlines()
        mixed = self.path("mixed.ndjson")
        with open(mixed, "w") as f:
            for number, line in enumerate(lines):
                if number % 97 == 5:
                    line = "not json " + str(number)
                elif number % 89 == 7:
                    line = line[:-1] + ',"padding":"' + "x" * 5000 + '"}'
                f.write(line + "\n")
        outputs = []
        for threads in ["1", "2", "3"]:
            alerts, dead = self.path(f"m{threads}.ndjson"), self.path(f"md{threads}.ndjson")
            result = run("run", "--rules", os.path.join(REPO, "rules"), "--threads", threads, "--output", alerts,
                         "--dead-letter", dead, "--max-record-bytes", "4096", mixed)
            self.assertEqual(result.returncode, 0, result.stderr)
            with open(alerts, "rb") as a, open(dead, "rb") as d:
                outputs.append((a.read(), d.read()))
        reasons = [json.loads(line)["reason"] for line in outputs[0][1].splitlines()]
        self.assertEqual(reasons.count("invalid_json"), len(range(5, len(lines), 97)))
        self.assertGreater(reasons.count("too_large"), 100)
        self.assertEqual(outputs[0], outputs[1])
        self.assertEqual(outputs[0], outputs[2])

    def test_gzip_records_document_and_stdin_give_the_same_alerts(self):
        with open(self.sample) as f:
            records = [json.loads(line) for line in f][:3000]
        document = self.path("123456789012_CloudTrail_us-east-1_x.json.gz")
        with gzip.open(document, "wt") as f:
            json.dump({"Records": records}, f, indent=2)
        rules = os.path.join(REPO, "rules")
        from_document = run("run", "--rules", rules, "--threads", "1", document)
        ndjson = "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in records).encode()
        from_stdin = run("run", "--rules", rules, stdin=ndjson)
        self.assertEqual(from_document.returncode, 0, from_document.stderr)
        ids = lambda out: [(a["rule"], a["alert_id"]) for a in map(json.loads, out.decode().splitlines())]
        self.assertGreater(len(ids(from_document.stdout)), 10)
        self.assertEqual(ids(from_document.stdout), ids(from_stdin.stdout))

    def test_explain_shows_resolution_and_compiled_form(self):
        result = run("explain", os.path.join(REPO, "tests", "differential", "seed_queries.sql"))
        out = result.stdout.decode()
        self.assertIn("requestParameters.bucketName", out)
        self.assertIn("written bucketName", out)
        self.assertIn("dispatch index", out)


if __name__ == "__main__":
    TRAILHOUND = sys.argv.pop(1)
    unittest.main(verbosity=1)
