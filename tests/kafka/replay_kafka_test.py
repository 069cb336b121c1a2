#!/usr/bin/env python3
"""`trailhound replay --to kafka://…` against a real broker (scripts/kafka).

1. N records (--loop 2) to a topic with 3 partitions: every record arrives,
   exactly as often as it was sent, and within each partition in the order it
   was sent; the summary says all were acknowledged.
2. --measure-alerts with a real `trailhound run` between two topics: every
   alert the rule pack gives for the records (counted offline with `run` over
   the same file) is matched to its record, and the latency figures and the
   --measure-json file are there. No assertion on how fast anything is.

Uses TRAILHOUND_KAFKA_BOOTSTRAP when set (scripts/kafka/with-broker.sh), else
starts a broker of its own with scripts/kafka/broker.sh and stops it. Exit 77
(skipped) without Java/Maven or the confluent-kafka Python client.

    replay_kafka_test.py PATH/TO/trailhound
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KAFKA = os.path.join(REPO, "scripts", "kafka")
SKIP = 77
TRAILHOUND = None
BOOTSTRAP = None

try:
    from confluent_kafka import Consumer, TopicPartition
    from confluent_kafka.admin import AdminClient, NewTopic
except ImportError:  # scripts/install-deps.sh installs it
    Consumer = None


def trailhound(*args, **kwargs):
    return subprocess.run([TRAILHOUND, *args], capture_output=True, timeout=300, **kwargs)


def create_topics(*specs):
    admin = AdminClient({"bootstrap.servers": BOOTSTRAP})
    futures = admin.create_topics([NewTopic(name, partitions, 1) for name, partitions in specs])
    for future in futures.values():
        future.result(timeout=60)


def read_topic(topic, expected, timeout=120):
    """The messages of `topic` as {partition: [(offset, value)]}, read from the
    start until `expected` arrived (or the timeout passed)."""
    consumer = Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": f"replay-test-check-{os.getpid()}",
                         "enable.auto.commit": False})
    try:
        metadata = consumer.list_topics(topic, timeout=30)
        partitions = sorted(metadata.topics[topic].partitions)
        consumer.assign([TopicPartition(topic, p, 0) for p in partitions])
        got, count = {p: [] for p in partitions}, 0
        deadline = time.monotonic() + timeout
        while count < expected and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is None:
                continue
            if message.error():
                continue
            got[message.partition()].append((message.offset(), message.value()))
            count += 1
        return got
    finally:
        consumer.close()


class ReplayKafkaTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="th-replay-kafka-")
        cls.sample = os.path.join(cls.dir, "sample.ndjson")
        subprocess.run([TRAILHOUND, "gen", "1500", "--seed", "21", "--output", cls.sample], check=True)
        with open(cls.sample, "rb") as f:
            cls.lines = f.read().splitlines()

    def test_every_record_arrives_in_order_per_partition(self):
        topic = f"replay-order-{os.getpid()}"
        create_topics((topic, 3))
        sent = self.lines * 2
        # sticky.partitioning.linger.ms=0: librdkafka's sticky partitioner
        # otherwise keeps keyless records on one partition for 10 ms at a
        # time, and 3,000 records can all fit in one such stretch (a flake
        # seen once in a clean-clone run).
        result = trailhound("replay", self.sample, "--loop", "2", "--to", f"kafka://{BOOTSTRAP}/{topic}",
                            "-X", "linger.ms=2", "-X", "sticky.partitioning.linger.ms=0")
        err = result.stderr.decode()
        self.assertEqual(result.returncode, 0, err)
        self.assertIn(f"replay: {len(sent)} records", err)
        self.assertIn(f"{len(sent)} acknowledged, 0 failed", err)

        got = read_topic(topic, len(sent))
        values = [value for messages in got.values() for _, value in messages]
        self.assertEqual(len(values), len(sent))
        self.assertEqual(sorted(values), sorted(sent))  # each as often as sent, bytes intact
        used = [p for p, messages in got.items() if messages]
        self.assertGreater(len(used), 1, "keyless records spread over the partitions")
        for partition, messages in got.items():
            offsets = [offset for offset, _ in messages]
            self.assertEqual(offsets, sorted(offsets))
            # the partition's values, in offset order, are a subsequence of the sent order
            position = 0
            for _, value in messages:
                while position < len(sent) and sent[position] != value:
                    position += 1
                self.assertLess(position, len(sent), f"partition {partition} is out of order")
                position += 1

    def test_measure_alerts_through_a_real_pipeline(self):
        records, alerts = f"replay-cloudtrail-{os.getpid()}", f"replay-alerts-{os.getpid()}"
        create_topics((records, 2), (alerts, 1))
        rules = os.path.join(REPO, "rules")
        offline = trailhound("run", "--rules", rules, "--threads", "1", self.sample)
        self.assertEqual(offline.returncode, 0, offline.stderr.decode())
        expected = len(offline.stdout.splitlines())
        self.assertGreater(expected, 0)

        run_log = open(os.path.join(self.dir, "run.err"), "wb")
        pipeline = subprocess.Popen(
            [TRAILHOUND, "run", "--rules", rules, "--kafka-brokers", BOOTSTRAP, "--kafka-topic", records,
             "--kafka-group", f"replay-test-{os.getpid()}", "--output", f"kafka://{BOOTSTRAP}/{alerts}"],
            stdout=subprocess.DEVNULL, stderr=run_log)
        try:
            measure = os.path.join(self.dir, "measure.json")
            result = trailhound("replay", self.sample, "--to", f"kafka://{BOOTSTRAP}/{records}", "--rate", "5000",
                                "--measure-alerts", alerts, "--measure-timeout", "120", "--measure-json", measure)
            err = result.stderr.decode()
            self.assertEqual(result.returncode, 0, err)
            with open(measure) as f:
                summary = json.load(f)
            self.assertEqual(summary["records"], len(self.lines))
            self.assertEqual(summary["acknowledged"], len(self.lines))
            self.assertEqual(summary["alerts"]["topic"], alerts)
            self.assertEqual(summary["alerts"]["matched"], expected, err)
            self.assertGreaterEqual(summary["alerts"]["seen"], expected)
            latency = summary["alerts"]["latency_ms"]
            self.assertLessEqual(0, latency["p50"])
            self.assertLessEqual(latency["p50"], latency["p95"])
            self.assertLessEqual(latency["p95"], latency["p99"])
            self.assertLessEqual(latency["p99"], latency["max"])
            self.assertIn(f"alerts on {alerts}: {summary['alerts']['seen']} seen, {expected} from these records", err)
            self.assertRegex(err, r"end-to-end latency p50 [\d.]+ ms, p95 [\d.]+ ms, p99 [\d.]+ ms, max [\d.]+ ms")
        finally:
            pipeline.send_signal(signal.SIGINT)
            try:
                pipeline.wait(timeout=60)
            except subprocess.TimeoutExpired:
                pipeline.kill()
                pipeline.wait()
            run_log.close()


def main():
    global TRAILHOUND, BOOTSTRAP
    TRAILHOUND = os.path.abspath(sys.argv.pop(1))
    if Consumer is None:
        print("# SKIP: the confluent-kafka Python client is missing (scripts/install-deps.sh installs it)")
        return SKIP
    BOOTSTRAP = os.environ.get("TRAILHOUND_KAFKA_BOOTSTRAP")
    state = None
    if not BOOTSTRAP:
        fetched = subprocess.run([os.path.join(KAFKA, "fetch.sh")])
        if fetched.returncode == 3:
            print("# SKIP: Java or Maven missing")
            return SKIP
        if fetched.returncode != 0:
            print("fetch.sh failed", file=sys.stderr)
            return 1
        state = tempfile.mktemp(prefix="trailhound-replay-broker.")
        started = subprocess.run([os.path.join(KAFKA, "broker.sh"), "start", "--state", state,
                                  "--owner", str(os.getpid())], capture_output=True, text=True)
        if started.returncode != 0:
            print(started.stderr, file=sys.stderr)
            return 1
        BOOTSTRAP = started.stdout.strip().removeprefix("BOOTSTRAP=")
    try:
        program = unittest.main(exit=False, verbosity=2)
        return 0 if program.result.wasSuccessful() else 1
    finally:
        if state:
            subprocess.run([os.path.join(KAFKA, "broker.sh"), "stop", "--state", state])


if __name__ == "__main__":
    sys.exit(main())
