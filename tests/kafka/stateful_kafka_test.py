#!/usr/bin/env python3
"""Stateful rules against a real Kafka broker: state per partition in
--state-dir survives kill -9 and follows a partition through a rebalance
(README "Stateful rules" -> "State", "Streaming" -> "Kafka").

  stateful_kafka_test.py TRAILHOUND SCENARIO

SCENARIO is one of:
  crash      records keyed by sourceIPAddress (the sliding rule's GROUP BY
             key) in a 4-partition topic; one consumer with --state-dir is
             killed (SIGKILL) three times, each time after its saved state
             grew by a share of what was left unread and more alerts went
             out (a fast machine may have read to the end by a later kill),
             and restarted; a last one reads to the end and is stopped
             (SIGTERM).
             Every expected alert_id reaches the alert topic, none other;
             duplicates are counted and reported, and every alert on the
             topic, duplicates included, is the JSON the reference has.
  rebalance  two consumers of one group share one --state-dir: the second
             joins after the first third of the records, the first leaves
             after the second third. Every expected alert exactly once, the
             same JSON: windows that span a handover count the records of
             both owners.
  changelog  the same handovers with --state-changelog (a compacted topic)
             and no directory at all: the state moves through Kafka only.

Expected alerts come from plain file runs, never from numbers written here:
Kafka keeps stream time, windows and memories per partition, so each
partition's records (in offset order, read back from the delivery reports)
go to their own file and `trailhound run --state-dir FRESH` (windows still
open at the end stay open, as in the Kafka run); the union of the four runs
is what the topic must get. Their alerts' `source` (file, record) is mapped
to (partition, offset) to compare whole alerts. No record is late in either
(each partition gets its records in eventTime order), so the dead-letter
topic must stay empty.

Consumers and reference runs have never-matching ballast rules that the
compiled engine hands to the reference interpreter, so the topic takes
seconds to read and can be killed part-way.

The broker is TRAILHOUND_KAFKA_BOOTSTRAP (scripts/kafka/with-broker.sh sets
it); without it the test is skipped (77). It reuses tests/kafka/pipeline_test.py's
broker and consumer helpers. Every wait is bounded; nothing asserts on timing.
"""

import collections
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

# the same folder; it exits 77 (skip) when confluent_kafka is missing
from pipeline_test import PARTITIONS, Broker, Trailhound, fail, new_topics
from confluent_kafka import Producer

RECORDS = 48000
DATA_SEED = 19
BALLAST_RULES = 250
DEADLINE_S = 180

# One rule of each stateful kind and a stateless one, firing a few hundred
# times each over 48,000 generated records. Records are keyed by
# sourceIPAddress, so every window and suppression group lives in one
# partition, as the README asks. first_seen alerts are per record (eventID):
# its pairs are remembered per partition, whatever the key. The alert_id of a
# window or suppression summary hashes the stream too ("topic/partition" on
# Kafka, "" for files), so the per-partition file runs that make the
# reference give other ids: those alerts are matched by what they are
# (identity() below), and the topic's ids are checked to be one per identity.
STATEFUL_RULES = """\
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

CREATE RULE ip_busy_hour WITH (severity = 'low')
AS SELECT sourceIPAddress, count(*) AS calls, count(DISTINCT userIdentity.arn) AS principals
   FROM cloudtrail WHERE userIdentity.type = 'IAMUser'
   GROUP BY sourceIPAddress
   WINDOW TUMBLING (SIZE 1 HOUR)
   HAVING count(*) >= 25;

CREATE RULE ip_write_spree WITH (severity = 'low', allowed_lateness = '2m')
AS SELECT sourceIPAddress, count(*) AS writes, window_start, window_end
   FROM cloudtrail WHERE readOnly = false
   GROUP BY sourceIPAddress
   WINDOW HOPPING (SIZE 30 MINUTES, ADVANCE BY 10 MINUTES)
   HAVING count(*) >= 8;

CREATE RULE principal_new_api WITH (severity = 'medium')
AS SELECT userIdentity.arn, eventName FROM cloudtrail
   WHERE userIdentity.type IN ('IAMUser', 'AssumedRole')
     AND first_seen(userIdentity.arn, eventName, LEARN INTERVAL '12' HOUR);

CREATE RULE ip_assumes_role_quietly
WITH (severity = 'low', suppress_by = 'sourceIPAddress', suppress_for = '2h')
AS SELECT eventName, userIdentity.arn FROM cloudtrail WHERE eventName = 'AssumeRole';
"""
RULE_NAMES = ["object_deleted", "ip_s3_burst", "ip_busy_hour", "ip_write_spree", "principal_new_api",
              "ip_assumes_role_quietly"]


def ballast():
    """Rules that never match (a JSON path that is not there, two fields that
    differ) and that the compiled engine decides with the reference
    interpreter over a DOM parse of every record: they make reading slow
    enough to be killed part-way."""
    return "".join(f"CREATE RULE ballast_{i} AS SELECT eventName FROM cloudtrail\n"
                   f"WHERE json_extract_scalar(userIdentity, '$.sessionContext.attributes.no_such_{i}') = 'x{i}' "
                   f"AND userAgent != sourceIPAddress;\n" for i in range(BALLAST_RULES))


def write_rules(work):
    rules = os.path.join(work, "rules")
    os.makedirs(rules)
    with open(os.path.join(rules, "stateful.sql"), "w") as f:
        f.write(STATEFUL_RULES)
    with open(os.path.join(rules, "ballast.sql"), "w") as f:
        f.write(ballast())
    return rules


def make_records(binary):
    generated = subprocess.run([binary, "gen", str(RECORDS), "--seed", str(DATA_SEED)], check=True,
                               stdout=subprocess.PIPE).stdout.split(b"\n")
    return [line for line in generated if line]


def produce_keyed(broker, topic, records):
    """Sends records in order, keyed by sourceIPAddress; [(partition, offset)] per record."""
    positions = [None] * len(records)
    errors = []

    def delivered(error, message, index):
        if error is not None:
            errors.append(str(error))
        else:
            positions[index] = (message.partition(), message.offset())

    producer = Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 20, "enable.idempotence": True})
    for index, record in enumerate(records):
        key = (json.loads(record).get("sourceIPAddress") or "-").encode()
        while True:
            try:
                producer.produce(topic, record, key=key, on_delivery=lambda e, m, i=index: delivered(e, m, i))
                break
            except BufferError:
                producer.poll(0.05)
        producer.poll(0)
    producer.flush(120)
    if errors or any(p is None for p in positions):
        fail("producing failed: %s" % (errors[:3] or "some records unacknowledged"))
    return positions


def expected_alerts(binary, rules, records, positions, work):
    """{alert_id: alert} of per-partition file runs with a fresh --state-dir
    each, `source` as [partition, offset]."""
    by_partition = collections.defaultdict(list)
    for record, (partition, offset) in zip(records, positions):
        by_partition[partition].append((offset, record))
    expected = {}
    for partition in range(PARTITIONS):
        rows = sorted(by_partition[partition])
        path = os.path.join(work, "partition-%d.ndjson" % partition)
        with open(path, "wb") as f:
            f.write(b"".join(record + b"\n" for _, record in rows))
        out = os.path.join(work, "partition-%d.alerts" % partition)
        result = subprocess.run([binary, "run", "--rules", rules, "--state-dir",
                                 os.path.join(work, "reference-state-%d" % partition), "--output", out, path],
                                capture_output=True)
        if result.returncode != 0:
            fail("the reference run failed: " + result.stderr.decode())
        letters = re.search(r"records, \d+ alerts, (\d+) dead letters", result.stderr.decode())
        if letters is None or letters.group(1) != "0":
            fail("the reference run dead-lettered records: " + result.stderr.decode()[-2000:])
        with open(out) as f:
            for line in f:
                alert = json.loads(line)
                alert["source"] = [partition, rows[alert["source"]["record"]][0]]
                if identity(alert) in expected:
                    fail("alert %s twice in the reference" % (identity(alert),))
                expected[identity(alert)] = alert
    per_rule = collections.Counter(a["rule"] + (" (summary)" if "suppressed" in a else "") for a in expected.values())
    print("reference (4 partition files): %d alerts: %s" %
          (len(expected), ", ".join("%s %d" % item for item in sorted(per_rule.items()))))
    for rule in RULE_NAMES:
        if per_rule[rule] < 100:
            fail("rule %s fires only %d times in the reference: it would not tell much" % (rule, per_rule[rule]))
    return expected


def identity(alert):
    """What an alert is about: the record (alert_id hashes rule and eventID),
    or the rule, partition, group and bounds of a window or suppression period
    (`source` already normalised to [partition, offset])."""
    if "window" in alert:
        return (alert["rule"], "window", alert["source"][0], json.dumps(alert["group"], sort_keys=True),
                alert["window"]["start"], alert["window"]["end"])
    if "suppressed" in alert:
        return (alert["rule"], "suppressed", alert["source"][0], json.dumps(alert["group"], sort_keys=True),
                alert["suppressed"]["from"])
    return alert["alert_id"]


def without_state_id(alert):
    """A window or summary alert without its alert_id (which hashes the stream)."""
    if identity(alert) == alert["alert_id"]:
        return alert
    return {key: value for key, value in alert.items() if key != "alert_id"}


def kind(alert):
    if "window" in alert:
        return "window"
    if "suppressed" in alert:
        return "suppression summary"
    return "record"


def topic_alerts(broker, topic):
    """Every alert on the alert topic (duplicates kept), `source` as [partition, offset]."""
    alerts = []
    for key, value in broker.read_all(topic + "-alerts"):
        alert = json.loads(value)
        source = alert["source"]
        if source.get("topic") != topic or key.decode() != alert["rule"]:
            fail("alert with a wrong source or key: key=%r %s" % (key, value[:300]))
        alert["source"] = [source["partition"], source["offset"]]
        alerts.append(alert)
    return alerts


def compare(expected, found, allow_duplicates):
    ids = collections.Counter(identity(a) for a in found)
    missing = set(expected) - set(ids)
    unexpected = set(ids) - set(expected)
    different = [a for a in found
                 if identity(a) in expected and without_state_id(a) != without_state_id(expected[identity(a)])]
    duplicates = collections.Counter()
    for alert_id, n in ids.items():
        if n > 1 and alert_id in expected:
            duplicates[kind(expected[alert_id])] += n - 1
    # One alert_id per identity (a repeat keeps its id), none shared by two.
    id_of = collections.defaultdict(set)
    for a in found:
        id_of[identity(a)].add(a["alert_id"])
    unstable = [i for i, alert_ids in id_of.items() if len(alert_ids) > 1]
    shared = [i for i, n in collections.Counter(x for alert_ids in id_of.values() for x in alert_ids).items() if n > 1]
    if unstable or shared:
        fail("alert_ids not one per alert: %d alerts with several ids, %d ids on several alerts" %
             (len(unstable), len(shared)))
    print("alerts: %d expected, %d on the topic, %d missing, %d unexpected, %d differing from the reference, "
          "duplicates %s" % (len(expected), len(found), len(missing), len(unexpected), len(different),
                             dict(duplicates) or "none"))
    if missing:
        fail("alerts missing, e.g. %s" % [json.dumps(expected[i])[:400] for i in sorted(missing, key=str)[:3]])
    if unexpected:
        fail("alerts not expected, e.g. %s" %
             [json.dumps(a)[:400] for a in found if identity(a) in unexpected][:3])
    if different:
        fail("alerts that differ from the reference's, e.g. topic %s / reference %s" %
             (json.dumps(different[0]), json.dumps(expected[identity(different[0])])))
    if duplicates and not allow_duplicates:
        fail("alerts delivered twice: %s" % dict(duplicates))
    return duplicates


def check_no_dead_letters(broker, topic):
    letters = broker.read_all(topic + "-dead")
    if letters:
        fail("%d dead letters, e.g. %s" % (len(letters), letters[0][1][:400]))


def saved_offsets(state_dir, topic):
    """{partition: last offset applied} from the heads of the partitions'
    state files (varint-framed: magic, partition id, stream time, then
    input -> last index). Steers the kills and describes them only."""
    offsets = {}
    for partition in range(PARTITIONS):
        path = os.path.join(state_dir, "kafka-%s%%2F%d.state" % (topic, partition))
        try:
            with open(path, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            continue
        at = [0]

        def varint():
            value, shift = 0, 0
            while True:
                byte = data[at[0]]
                at[0] += 1
                value |= (byte & 0x7F) << shift
                if not byte & 0x80:
                    return value
                shift += 7

        def text():
            size = varint()
            at[0] += size
            return data[at[0] - size:at[0]]

        try:
            if text() != b"trailhound-state-1":
                continue
            text()
            if varint():
                varint()
            for _ in range(varint()):
                text()
                raw = varint()
                offsets[partition] = (raw >> 1) ^ -(raw & 1)
        except IndexError:
            continue
    return offsets


STATUS = re.compile(r"status: (\d+) records .*?lag((?: \S+/\d+=(?:\d+|\?))*)")


def last_status(run):
    """(records read, {partition: lag}) from the consumer's last status line, or None."""
    lines = [line for line in run.stderr_text().splitlines() if "trailhound: status:" in line]
    if not lines:
        return None
    match = STATUS.search(lines[-1])
    if match is None:
        return int(re.search(r"status: (\d+) records", lines[-1]).group(1)), {}
    lags = {}
    for item in match.group(2).split():
        name, lag = item.rsplit("=", 1)
        lags[int(name.rsplit("/", 1)[1])] = None if lag == "?" else int(lag)
    return int(match.group(1)), lags


def status_count(run):
    return run.stderr_text().count("trailhound: status:")


def wait_until_read(runs, what, condition):
    """Until condition(statuses) holds for status lines printed after this call."""
    marks = [status_count(run) for run in runs]
    deadline = time.time() + DEADLINE_S
    while time.time() < deadline:
        for run in runs:
            if run.poll() is not None:
                fail("trailhound exited early (%s): %s" % (run.returncode, run.stderr_text()[-3000:]))
        if all(status_count(run) > mark for run, mark in zip(runs, marks)):
            statuses = [last_status(run) for run in runs]
            if all(statuses) and condition(statuses):
                return
        time.sleep(0.2)
    fail("waited %d s for %s; last status lines: %s" %
         (DEADLINE_S, what, [run.stderr_text().splitlines()[-1:] for run in runs]))


def all_lag_zero(statuses):
    lags = {}
    for _, partition_lags in statuses:
        lags.update(partition_lags)
    return sorted(lags) == list(range(PARTITIONS)) and all(lag == 0 for lag in lags.values())


def committed_everything(broker, group, topic):
    ends, committed = broker.end_offsets(topic), broker.committed(group, topic)
    if committed != ends:
        fail("after a clean stop the group committed %s, the topic ends at %s" % (committed, ends))


def scenario_crash(binary, broker, work, crashes=3):
    topic, group = new_topics(broker, "stc")
    rules = write_rules(work)
    records = make_records(binary)
    positions = produce_keyed(broker, topic, records)
    counts = collections.Counter(partition for partition, _ in positions)
    print("records: %d, per partition %s" % (len(records), dict(sorted(counts.items()))))
    expected = expected_alerts(binary, rules, records, positions, work)
    state = os.path.join(work, "state")
    extra = ["--state-dir", state]
    seed = int(os.environ.get("TH_CRASH_SEED", random.randrange(1 << 30)))
    rng = random.Random(seed)
    print("TH_CRASH_SEED=%d" % seed)
    saved_before = 0
    for crash in range(crashes):
        # once the saved state holds 10-30% of what the last kill left unread
        # more than then, and a little later. A share of what remains, never
        # of the whole topic: the state cannot hold more records than it has
        # (a later save may still reach the end; the kill then finds it idle).
        target = saved_before + int((len(records) - saved_before) * rng.uniform(0.1, 0.3))
        run = Trailhound(binary, broker, rules, topic, group, work, "crash%d" % crash, extra=extra)
        run.wait_for("kafka: assigned")
        deadline = time.time() + DEADLINE_S
        while sum(o + 1 for o in saved_offsets(state, topic).values()) < target:
            if run.poll() is not None:
                fail("trailhound exited (%s): %s" % (run.returncode, run.stderr_text()[-3000:]))
            if time.time() > deadline:
                fail("the state never held %d records:\n%s" % (target, run.stderr_text()[-3000:]))
            time.sleep(0.02)
        time.sleep(rng.uniform(0.2, 0.7))  # alerts past the saved state go out; they will repeat
        if run.poll() is not None:
            fail("trailhound ended before the kill: %s" % run.stderr_text()[-3000:])
        run.kill()
        saved = saved_offsets(state, topic)
        saved_before = sum(o + 1 for o in saved.values())
        committed = broker.committed(group, topic)
        print("SIGKILL %d: state saved through %d records %s; committed %d %s" %
              (crash + 1, saved_before, dict(sorted(saved.items())),
               sum(committed.values()), committed))
    run = Trailhound(binary, broker, rules, topic, group, work, "final", extra=extra)
    run.wait_for("kafka: assigned")
    wait_until_read([run], "every partition read", all_lag_zero)
    quiet_since = time.time()
    time.sleep(3)
    committed, ends = broker.committed(group, topic), broker.end_offsets(topic)
    print("read to the end; %.0f s later, before SIGTERM, the group had committed %d of %d records %s" %
          (time.time() - quiet_since, sum(committed.values()), sum(ends.values()), committed))
    run.stop()
    committed_everything(broker, group, topic)
    duplicates = compare(expected, topic_alerts(broker, topic), allow_duplicates=True)
    check_no_dead_letters(broker, topic)
    print("after %d SIGKILLs: no alert missing, none extra, every one the reference's JSON; duplicates %s" %
          (crashes, dict(duplicates) or "none"))


def scenario_rebalance(binary, broker, work, store="dir"):
    topic, group = new_topics(broker, "str" if store == "dir" else "stc")
    rules = write_rules(work)
    records = make_records(binary)
    if store == "dir":  # one directory both consumers share
        extra = ["--state-dir", os.path.join(work, "state")]
    else:  # no shared directory: the state moves through the changelog topic only
        extra = ["--state-changelog", "kafka://%s/%s-state" % (broker.bootstrap, topic)]
    thirds = [records[:RECORDS // 3], records[RECORDS // 3:2 * RECORDS // 3], records[2 * RECORDS // 3:]]

    def read_all_of(runs, total, before=0):  # before: records read by consumers stopped already
        wait_until_read(runs, "%d records read" % total,
                        lambda statuses: before + sum(n for n, _ in statuses) >= total)

    first = Trailhound(binary, broker, rules, topic, group, work, "first", extra=extra)
    first.wait_for("kafka: assigned")
    positions = produce_keyed(broker, topic, thirds[0])
    read_all_of([first], len(positions))
    second = Trailhound(binary, broker, rules, topic, group, work, "second", extra=extra)
    second.wait_for("kafka: assigned")
    first.wait_for("kafka: revoked")
    first.wait_for("kafka: assigned", count=2)
    taken = [line for line in second.stderr_text().splitlines() if "kafka: assigned" in line][0]
    positions += produce_keyed(broker, topic, thirds[1])
    read_all_of([first, second], len(positions))
    first.stop()  # its partitions move to the second consumer
    read_by_first = int(re.search(r"trailhound: (\d+) records, ", first.stderr_text()).group(1))
    second.wait_for("kafka: assigned", count=2)
    positions += produce_keyed(broker, topic, thirds[2])
    read_all_of([second], len(positions), before=read_by_first)
    second.stop()
    committed_everything(broker, group, topic)

    expected = expected_alerts(binary, rules, records, positions, work)
    compare(expected, topic_alerts(broker, topic), allow_duplicates=False)
    check_no_dead_letters(broker, topic)

    # Windows whose records were read by two owners: the partition changed
    # hands (or was given up and taken back: an eager rebalance revokes
    # everything) between the thirds.
    moved = {int(p) for p in re.findall(r"/(\d+)", taken.split("assigned", 1)[1])}
    handovers = [json.loads(thirds[1][0])["eventTime"], json.loads(thirds[2][0])["eventTime"]]
    def bounds(alert):
        if "window" in alert:
            return alert["window"]["start"], alert["window"]["end"]
        if "suppressed" in alert:
            return alert["suppressed"]["from"], alert["suppressed"]["to"]
        return None

    spanning = [a for a in expected.values() if bounds(a) and
                any(bounds(a)[0] < t <= bounds(a)[1] for t in handovers)]
    spanning_moved = collections.Counter(kind(a) for a in spanning if a["source"][0] in moved)
    print("second consumer took %s at the first handover; %d window and suppression alerts span a handover "
          "(in partitions the second consumer took: %s), all as the reference" %
          (sorted(moved), len(spanning), dict(spanning_moved)))
    if not spanning_moved["window"]:
        fail("no window spans a handover in a moved partition: the test would not tell")


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    binary, scenario = sys.argv[1:]
    bootstrap = os.environ.get("TRAILHOUND_KAFKA_BOOTSTRAP")
    if not bootstrap:
        print("SKIP: TRAILHOUND_KAFKA_BOOTSTRAP is not set (run under scripts/kafka/with-broker.sh)")
        return 77
    broker = Broker(bootstrap)
    work = tempfile.mkdtemp(prefix="trailhound-kafka-stateful-%s." % scenario)
    started = time.time()
    try:
        if scenario == "crash":
            scenario_crash(binary, broker, work)
        elif scenario == "rebalance":
            scenario_rebalance(binary, broker, work)
        elif scenario == "changelog":
            scenario_rebalance(binary, broker, work, store="changelog")
        else:
            print("unknown scenario " + scenario)
            return 2
    finally:
        for process in Trailhound.started:
            if process.poll() is None:
                process.kill()
                process.wait()
        shutil.rmtree(work, ignore_errors=True)
    print("PASS: %s in %.0f s" % (scenario, time.time() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
