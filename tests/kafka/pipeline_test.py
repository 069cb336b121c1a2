#!/usr/bin/env python3
"""trailhound run against a real Kafka broker (scripts/kafka/broker.sh).

  pipeline_test.py TRAILHOUND RULES_DIR SCENARIO

SCENARIO is one of:
  delivery   200,000 records, ~1% malformed: every alert the reference
             interpreter expects (same records, from a file) reaches the alert
             topic exactly once; every malformed record is on the dead-letter
             topic with the same reason; SIGTERM exits 0.
  crash      the same, with the consumer killed (SIGKILL) at random points 3
             times and restarted: no expected alert missing; duplicates are
             counted and reported (at-least-once allows them).
  rebalance  two consumers in one group: the second joins mid-stream and takes
             partitions, then the first leaves; no alert missing, none twice.
  reload     SIGHUP with a broken rule file keeps the old rules running; a
             fixed one is loaded and its rule fires on later records.
  undeliverable  alerts the producer cannot send (over message.max.bytes):
             the run stops with exit 2 without committing past them; a
             restart with working output delivers every expected alert.

The broker is TRAILHOUND_KAFKA_BOOTSTRAP (scripts/kafka/with-broker.sh sets
it; `make test` runs ctest that way). Without it the test is skipped (77).
Every wait is bounded by a generous deadline; nothing asserts on timing.
"""

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid

try:
    from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
    from confluent_kafka.admin import AdminClient, NewTopic
except ImportError:
    print("SKIP: python3 module confluent_kafka missing (scripts/install-deps.sh installs it)")
    sys.exit(77)

PARTITIONS = 4
COORDINATOR_NOT_READY = (KafkaError.NOT_COORDINATOR, KafkaError.COORDINATOR_LOAD_IN_PROGRESS,
                         KafkaError.COORDINATOR_NOT_AVAILABLE, KafkaError._TIMED_OUT)
MAX_RECORD_BYTES = 65536
DEADLINE_S = 180
# Short enough that a restarted consumer gets its partitions back soon after
# a SIGKILL (the broker's minimum).
GROUP_SETTINGS = ["-X", "session.timeout.ms=6000", "-X", "heartbeat.interval.ms=1000"]


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


class Broker:
    def __init__(self, bootstrap):
        self.bootstrap = bootstrap
        self.admin = AdminClient({"bootstrap.servers": bootstrap})

    def create_topic(self, name, partitions=PARTITIONS):
        for future in self.admin.create_topics([NewTopic(name, partitions, 1)]).values():
            future.result(timeout=60)

    def produce(self, topic, records):
        """Sends records in order; returns [(partition, offset)] per record."""
        positions = [None] * len(records)
        errors = []

        def delivered(error, message, index):
            if error is not None:
                errors.append(str(error))
            else:
                positions[index] = (message.partition(), message.offset())

        producer = Producer({"bootstrap.servers": self.bootstrap, "linger.ms": 20,
                             "enable.idempotence": True, "message.max.bytes": 2000000})
        for index, record in enumerate(records):
            while True:
                try:
                    producer.produce(topic, record, on_delivery=lambda e, m, i=index: delivered(e, m, i))
                    break
                except BufferError:
                    producer.poll(0.05)
            producer.poll(0)
        producer.flush(120)
        if errors or any(p is None for p in positions):
            fail("producing failed: %s" % (errors[:3] or "some records unacknowledged"))
        return positions

    def end_offsets(self, topic):
        consumer = Consumer({"bootstrap.servers": self.bootstrap, "group.id": "probe-" + uuid.uuid4().hex})
        ends = {}
        for partition in range(PARTITIONS):
            _, high = consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=30)
            ends[partition] = high
        consumer.close()
        return ends

    def committed(self, group, topic):
        """{partition: committed offset}. While the group coordinator is not
        ready (a fresh broker still loading __consumer_offsets answers
        NOT_COORDINATOR), the question is asked again for up to a minute."""
        deadline = time.time() + 60
        while True:
            consumer = Consumer({"bootstrap.servers": self.bootstrap, "group.id": group})
            try:
                offsets = consumer.committed([TopicPartition(topic, p) for p in range(PARTITIONS)], timeout=30)
                return {tp.partition: max(tp.offset, 0) for tp in offsets}
            except KafkaException as error:
                code = error.args[0].code()
                if code not in COORDINATOR_NOT_READY or time.time() > deadline:
                    raise
            finally:
                consumer.close()
            time.sleep(0.5)

    def wait_committed(self, group, topic, processes=(), deadline_s=DEADLINE_S):
        """Until the group committed every record of the topic."""
        ends = self.end_offsets(topic)
        deadline = time.time() + deadline_s
        while time.time() < deadline:
            for process in processes:
                if process.poll() is not None:
                    fail("trailhound exited early (%s): %s" % (process.returncode, process.stderr_text()))
            if self.committed(group, topic) == ends:
                return
            time.sleep(0.5)
        fail("group %s did not commit %s within %d s (committed %s)" %
             (group, ends, deadline_s, self.committed(group, topic)))

    def read_all(self, topic):
        """Every message of the topic: [(key, value)] in partition order."""
        ends = self.end_offsets(topic)
        consumer = Consumer({"bootstrap.servers": self.bootstrap, "group.id": "reader-" + uuid.uuid4().hex,
                             "auto.offset.reset": "earliest", "enable.auto.commit": False})
        consumer.assign([TopicPartition(topic, p, 0) for p in range(PARTITIONS)])
        messages = []
        remaining = sum(ends.values())
        deadline = time.time() + DEADLINE_S
        while remaining > 0 and time.time() < deadline:
            for message in consumer.consume(10000, timeout=1):
                if message.error():
                    continue
                messages.append((message.key(), message.value()))
                remaining -= 1
        consumer.close()
        if remaining > 0:
            fail("could not read %d messages of %s" % (remaining, topic))
        return messages


class Trailhound:
    """One `trailhound run` consumer in the background; every one still
    running when the test ends (a failure exits early) is killed."""

    started = []

    def __init__(self, binary, broker, rules, topic, group, work, name, extra=()):
        self.stderr_path = os.path.join(work, name + ".stderr")
        command = [binary, "run", "--rules", rules, "--kafka-brokers", broker.bootstrap,
                   "--kafka-topic", topic, "--kafka-group", group,
                   "--output", "kafka://%s/%s-alerts" % (broker.bootstrap, topic),
                   "--dead-letter", "kafka://%s/%s-dead" % (broker.bootstrap, topic),
                   "--max-record-bytes", str(MAX_RECORD_BYTES), "--status-interval", "1"] + GROUP_SETTINGS + list(extra)
        self.stderr_file = open(self.stderr_path, "w")
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=self.stderr_file)
        Trailhound.started.append(self.process)

    def poll(self):
        return self.process.poll()

    @property
    def returncode(self):
        return self.process.returncode

    def stderr_text(self):
        self.stderr_file.flush()
        with open(self.stderr_path) as f:
            return f.read()

    def wait_for(self, text, deadline_s=DEADLINE_S, count=1):
        deadline = time.time() + deadline_s
        while time.time() < deadline:
            if self.stderr_text().count(text) >= count:
                return
            if self.process.poll() is not None:
                fail("trailhound exited (%s) before printing %r:\n%s" %
                     (self.process.returncode, text, self.stderr_text()))
            time.sleep(0.2)
        fail("trailhound did not print %r within %d s:\n%s" % (text, deadline_s, self.stderr_text()))

    def signal(self, number):
        self.process.send_signal(number)

    def stop(self):
        """SIGTERM: must deliver, commit and exit 0."""
        self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            self.process.kill()
            fail("trailhound did not stop within 120 s of SIGTERM:\n" + self.stderr_text())
        if code != 0:
            fail("trailhound exited %d after SIGTERM:\n%s" % (code, self.stderr_text()))
        if "stopped after delivering and committing" not in self.stderr_text():
            fail("no shutdown message after SIGTERM:\n" + self.stderr_text())

    def kill(self):
        self.process.kill()
        self.process.wait()


def make_records(count, seed, binary):
    """`trailhound gen` records with ~1% replaced by malformed ones, and the
    reason each malformed one must be dead-lettered with."""
    generated = subprocess.run([binary, "gen", str(count), "--seed", str(seed)], check=True,
                               stdout=subprocess.PIPE).stdout.split(b"\n")
    records = [line for line in generated if line]
    rng = random.Random(seed)
    bad_kinds = [
        (b'{"eventVersion":"1.08","eventTime":"2026-01-01T00:00:00Z","eventName":', "invalid_json"),
        (b'{"eventVersion":"1.08","eventSource":"s3.amazonaws.com"}', "missing_eventName"),
        (b'{"eventName":"GetObject","userAgent":"\xff\xfe"}', "invalid_utf8"),
        (b'[1,2,3]', "not_an_object"),
        (b'{"eventName":"PutObject","pad":"' + b"x" * (MAX_RECORD_BYTES + 10) + b'"}', "too_large"),
    ]
    malformed = {}
    for index in range(1, len(records)):
        if rng.random() < 0.01:
            records[index], malformed[index] = bad_kinds[rng.randrange(len(bad_kinds))]
    return records, malformed


def expected_alerts(binary, rules, records, work, name):
    """(alert_id, record index) of every alert the reference interpreter
    raises over the records read from a file, and {index: reason} of the
    file run's dead letters."""
    path = os.path.join(work, name + ".ndjson")
    with open(path, "wb") as f:
        f.write(b"\n".join(records) + b"\n")
    alerts_path = os.path.join(work, name + ".alerts")
    dead_path = os.path.join(work, name + ".dead")
    subprocess.run([binary, "run", "--rules", rules, "--engine", "reference", "--threads", "1",
                    "--max-record-bytes", str(MAX_RECORD_BYTES), "--output", alerts_path,
                    "--dead-letter", dead_path, path], check=True, stderr=subprocess.DEVNULL)
    alerts = set()
    with open(alerts_path) as f:
        for line in f:
            alert = json.loads(line)
            alerts.add((alert["alert_id"], alert["source"]["record"]))
    letters = {}
    with open(dead_path) as f:
        for line in f:
            letter = json.loads(line)
            letters[letter["source"]["record"]] = letter["reason"]
    return alerts, letters


def kafka_alerts(broker, topic, positions):
    """[(alert_id, record index)] from the alert topic (duplicates kept)."""
    index_of = {position: index for index, position in enumerate(positions)}
    found = []
    for key, value in broker.read_all(topic + "-alerts"):
        alert = json.loads(value)
        source = alert["source"]
        if source.get("topic") != topic or key.decode() != alert["rule"]:
            fail("alert with a wrong source or key: key=%r %s" % (key, value[:300]))
        found.append((alert["alert_id"], index_of[(source["partition"], source["offset"])]))
    return found


def kafka_letters(broker, topic, positions):
    index_of = {position: index for index, position in enumerate(positions)}
    letters = []
    for key, value in broker.read_all(topic + "-dead"):
        letter = json.loads(value)
        if key.decode() != letter["reason"]:
            fail("dead letter keyed %r, reason %s" % (key, letter["reason"]))
        letters.append((index_of[(letter["source"]["partition"], letter["source"]["offset"])], letter["reason"]))
    return letters


def compare_alerts(expected, found, allow_duplicates):
    found_set = set(found)
    missing = expected - found_set
    unexpected = found_set - expected
    duplicates = len(found) - len(found_set)
    print("alerts: %d expected, %d on the topic, %d missing, %d unexpected, %d duplicates" %
          (len(expected), len(found), len(missing), len(unexpected), duplicates))
    if missing:
        fail("alerts missing, e.g. %s" % sorted(missing)[:5])
    if unexpected:
        fail("alerts not expected, e.g. %s" % sorted(unexpected)[:5])
    if duplicates and not allow_duplicates:
        fail("%d alerts delivered twice within one run" % duplicates)
    return duplicates


def compare_letters(expected_letters, malformed, found):
    found_map = dict(found)
    if len(found) != len(found_map):
        fail("a record was dead-lettered twice within one run")
    if found_map != expected_letters:
        fail("dead letters differ from the file run: kafka-only %s, file-only %s" %
             (sorted(set(found_map.items()) - set(expected_letters.items()))[:5],
              sorted(set(expected_letters.items()) - set(found_map.items()))[:5]))
    if {index: malformed[index] for index in malformed} != {i: found_map.get(i) for i in malformed}:
        fail("some malformed record is not on the dead-letter topic with its reason")
    print("dead letters: %d, as the file run; all %d malformed records with their reason" %
          (len(found), len(malformed)))


def new_topics(broker, prefix):
    """A fresh input topic with its alert and dead-letter topics, and a group name."""
    topic = "%s-%s" % (prefix, uuid.uuid4().hex[:8])
    for name in (topic, topic + "-alerts", topic + "-dead"):
        broker.create_topic(name)
    return topic, topic + "-group"


def scenario_delivery(binary, rules, broker, work, count=200000, crashes=0):
    topic, group = new_topics(broker, "ct")
    records, malformed = make_records(count, 11, binary)
    expected, expected_letters = expected_alerts(binary, rules, records, work, topic)
    print("records: %d (%d malformed); the reference interpreter expects %d alerts" %
          (len(records), len(malformed), len(expected)))
    positions = broker.produce(topic, records)
    rng = random.Random(5)
    for crash in range(crashes):
        run = Trailhound(binary, broker, rules, topic, group, work, "crash%d" % crash)
        run.wait_for("kafka: assigned")
        time.sleep(rng.uniform(0.1, 0.8))  # the whole topic takes a few seconds
        run.kill()
        done = sum(broker.committed(group, topic).values())
        print("SIGKILL %d: %d of %d records committed" % (crash + 1, done, len(records)))
    run = Trailhound(binary, broker, rules, topic, group, work, "final")
    broker.wait_committed(group, topic, [run])
    run.stop()
    found = kafka_alerts(broker, topic, positions)
    duplicates = compare_alerts(expected, found, allow_duplicates=crashes > 0)
    if crashes:
        print("duplicates after %d SIGKILLs: %d (same alert_id, so downstream can drop them)" % (crashes, duplicates))
    letters = kafka_letters(broker, topic, positions)
    if crashes:
        letters = list(dict(letters).items())  # a letter may repeat after a crash, as alerts do
    compare_letters(expected_letters, malformed, letters)


def scenario_rebalance(binary, rules, broker, work):
    topic, group = new_topics(broker, "rb")
    records, malformed = make_records(60000, 23, binary)
    expected, expected_letters = expected_alerts(binary, rules, records, work, topic)
    thirds = [records[:20000], records[20000:40000], records[40000:]]
    positions = broker.produce(topic, thirds[0])
    first = Trailhound(binary, broker, rules, topic, group, work, "first")
    broker.wait_committed(group, topic, [first])
    second = Trailhound(binary, broker, rules, topic, group, work, "second")
    second.wait_for("kafka: assigned")
    first.wait_for("kafka: revoked")
    first.wait_for("kafka: assigned", count=2)
    positions += broker.produce(topic, thirds[1])
    broker.wait_committed(group, topic, [first, second])
    first.stop()  # its partitions move to the second consumer
    second.wait_for("kafka: assigned", count=2)
    positions += broker.produce(topic, thirds[2])
    broker.wait_committed(group, topic, [second])
    second.stop()
    found = kafka_alerts(broker, topic, positions)
    compare_alerts(expected, found, allow_duplicates=False)
    compare_letters(expected_letters, malformed, kafka_letters(broker, topic, positions))
    second_partitions = [line for line in second.stderr_text().splitlines() if "kafka: assigned" in line]
    print("second consumer: " + " | ".join(second_partitions))


def scenario_undeliverable(binary, rules, broker, work):
    topic, group = new_topics(broker, "ud")
    records, _ = make_records(5000, 41, binary)
    expected, _ = expected_alerts(binary, rules, records, work, topic)
    positions = broker.produce(topic, records)
    # Alerts of SELECT * rules carry the whole record (~1.3 kB): over 1,000
    # bytes the producer refuses them.
    run = Trailhound(binary, broker, rules, topic, group, work, "undeliverable",
                     extra=["-X", "message.max.bytes=1000"])
    try:
        code = run.process.wait(timeout=DEADLINE_S)
    except subprocess.TimeoutExpired:
        fail("trailhound kept running with undeliverable alerts:\n" + run.stderr_text())
    stderr = run.stderr_text()
    if code != 2 or "stopping without committing" not in stderr:
        fail("expected exit 2 and 'stopping without committing', got %s:\n%s" % (code, stderr))
    committed = sum(broker.committed(group, topic).values())
    if committed >= len(records):
        fail("the failed run committed all %d records" % committed)
    print("the failed run stopped with exit 2 after committing %d of %d records" % (committed, len(records)))
    run = Trailhound(binary, broker, rules, topic, group, work, "restart")
    broker.wait_committed(group, topic, [run])
    run.stop()
    found = kafka_alerts(broker, topic, positions)
    compare_alerts(expected, found, allow_duplicates=True)


RELOAD_PROBE = """CREATE RULE reload_probe
WITH (severity = 'low')
AS SELECT eventName, sourceIPAddress FROM cloudtrail WHERE eventName = 'ConsoleLogin';
"""


def scenario_reload(binary, rules, broker, work):
    topic, group = new_topics(broker, "rl")
    rule_dir = os.path.join(work, "rules")
    shutil.copytree(rules, rule_dir)
    records, _ = make_records(9000, 31, binary)
    batches = [records[:3000], records[3000:6000], records[6000:]]
    run = Trailhound(binary, broker, rule_dir, topic, group, work, "reload")
    positions = broker.produce(topic, batches[0])
    broker.wait_committed(group, topic, [run])

    broken = os.path.join(rule_dir, "zz_reload.sql")
    with open(broken, "w") as f:
        f.write("CREATE RULE broken AS SELECT * FROM cloudtrail WHERE eventName = ;\n")
    run.signal(signal.SIGHUP)
    run.wait_for("reload failed: still running the")
    if "zz_reload.sql:1:" not in run.stderr_text():
        fail("the reload diagnostic does not name the file and line:\n" + run.stderr_text())
    positions += broker.produce(topic, batches[1])
    broker.wait_committed(group, topic, [run])

    with open(broken, "w") as f:
        f.write(RELOAD_PROBE)
    run.signal(signal.SIGHUP)
    run.wait_for("reloaded:")
    positions += broker.produce(topic, batches[2])
    broker.wait_committed(group, topic, [run])
    run.stop()

    old_expected, _ = expected_alerts(binary, rules, batches[0] + batches[1], work, topic + "-old")
    new_expected, _ = expected_alerts(binary, rule_dir, records, work, topic + "-new")
    expected = old_expected | {(a, i) for a, i in new_expected if i >= 6000}
    found = kafka_alerts(broker, topic, positions)
    compare_alerts(expected, found, allow_duplicates=False)
    index_of = {position: index for index, position in enumerate(positions)}
    probes = [index_of[(json.loads(value)["source"]["partition"], json.loads(value)["source"]["offset"])]
              for key, value in broker.read_all(topic + "-alerts") if key == b"reload_probe"]
    if not probes or min(probes) < 6000:
        fail("the reloaded rule fired %d times, or before it was loaded" % len(probes))
    print("reload_probe fired %d times, all after the reload" % len(probes))


def main():
    if len(sys.argv) != 4:
        print(__doc__)
        return 2
    binary, rules, scenario = sys.argv[1:]
    bootstrap = os.environ.get("TRAILHOUND_KAFKA_BOOTSTRAP")
    if not bootstrap:
        print("SKIP: TRAILHOUND_KAFKA_BOOTSTRAP is not set (run under scripts/kafka/with-broker.sh)")
        return 77
    broker = Broker(bootstrap)
    work = tempfile.mkdtemp(prefix="trailhound-kafka-%s." % scenario)
    try:
        if scenario == "delivery":
            scenario_delivery(binary, rules, broker, work)
        elif scenario == "crash":
            scenario_delivery(binary, rules, broker, work, crashes=3)
        elif scenario == "rebalance":
            scenario_rebalance(binary, rules, broker, work)
        elif scenario == "reload":
            scenario_reload(binary, rules, broker, work)
        elif scenario == "undeliverable":
            scenario_undeliverable(binary, rules, broker, work)
        else:
            print("unknown scenario " + scenario)
            return 2
    finally:
        for process in Trailhound.started:
            if process.poll() is None:
                process.kill()
                process.wait()
        shutil.rmtree(work, ignore_errors=True)
    print("PASS: " + scenario)
    return 0


if __name__ == "__main__":
    sys.exit(main())
