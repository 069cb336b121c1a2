#!/usr/bin/env bash
# Smoke test of scripts/kafka: fetch Kafka, start a broker, create a topic
# with 3 partitions through Kafka's own TopicCommand, produce and consume
# records through librdkafka (the client trailhound links), stop the broker,
# and check that nothing is left behind: no JVM, no watcher, no temp dir, no
# state file, the port closed.
#
#   tests/kafka_tooling/smoke_test.sh [PATH/TO/rdkafka_smoke]
#
# Without the argument it compiles rdkafka_smoke.cc itself (c++ and
# pkg-config rdkafka). Exit: 0 passed, 1 failed, 77 skipped (no Java/Maven).
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
kafka="$repo/scripts/kafka"
work="$(mktemp -d "${TMPDIR:-/tmp}/trailhound-kafka-smoke.XXXXXX")"
state="$work/broker.state"
passed=0
failed=0

cleanup() {
  "$kafka/broker.sh" stop --state "$state" >/dev/null 2>&1 || true
  rm -rf -- "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ok() { passed=$((passed + 1)); echo "ok - $*"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $*"; }
check() {  # DESCRIPTION COMMAND...
  local what="$1"; shift
  if "$@"; then ok "$what"; else not_ok "$what"; fi
}
finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ] && exit 0 || exit 1
}
bail() { not_ok "$*"; finish; }

# --- the client ----------------------------------------------------------------
client="${1:-}"
if [ -z "$client" ]; then
  client="$work/rdkafka_smoke"
  # shellcheck disable=SC2046  # pkg-config prints a list of flags
  if ! c++ -std=c++20 -O1 -o "$client" "$here/rdkafka_smoke.cc" \
       $(pkg-config --cflags --libs rdkafka) 2>"$work/cc.log"; then
    cat "$work/cc.log" >&2
    bail "compile rdkafka_smoke.cc (needs c++ and librdkafka-dev)"
  fi
fi
[ -x "$client" ] || bail "rdkafka_smoke client at $client"
echo "# librdkafka $("$client" version)"

# --- fetch -----------------------------------------------------------------------
t0=$SECONDS
"$kafka/fetch.sh"
rc=$?
if [ "$rc" -eq 3 ]; then
  echo "# SKIP: Java or Maven missing"
  exit 77
fi
[ "$rc" -eq 0 ] || bail "fetch.sh (exit $rc)"
ok "fetch.sh ($((SECONDS - t0)) s)"

# --- start -----------------------------------------------------------------------
t0=$SECONDS
out="$("$kafka/broker.sh" start --state "$state" --owner $$)" || bail "broker.sh start"
bootstrap="${out#BOOTSTRAP=}"
[[ "$bootstrap" =~ ^127\.0\.0\.1:[0-9]+$ ]] || bail "start printed BOOTSTRAP=127.0.0.1:<port>, got '$out'"
ok "broker.sh start: $bootstrap ($((SECONDS - t0)) s)"
pid="$(sed -n 's/^PID=//p' "$state")"
dir="$(sed -n 's/^DIR=//p' "$state")"
port="${bootstrap##*:}"
check "state file names a live pid and an existing dir" \
  bash -c '[ -d "$1" ] && kill -0 "$2"' _ "$dir" "$pid"
check "status reports the broker" "$kafka/broker.sh" status --state "$state"
if "$kafka/broker.sh" start --state "$state" >/dev/null 2>&1; then
  not_ok "a second start on the same state file is refused"
else
  ok "a second start on the same state file is refused"
fi

# --- topic with 3 partitions, via Kafka's TopicCommand ----------------------------
topic="smoke-$$"
check "tool.sh topics --create --partitions 3" \
  "$kafka/tool.sh" topics --bootstrap-server "$bootstrap" --create \
  --topic "$topic" --partitions 3 --replication-factor 1
parts="$("$client" partitions "$bootstrap" "$topic")"
check "librdkafka sees 3 partitions (got '$parts')" [ "$parts" = 3 ]

# --- produce and consume through librdkafka ---------------------------------------
n=60
check "produce $n records (idempotent, acks=all)" \
  "$client" produce "$bootstrap" "$topic" "$n" "smoke"
"$client" consume "$bootstrap" "$topic" "$n" "smoke-group-$$" 60 \
  >"$work/consumed.tsv" 2>"$work/consume.err"
rc=$?
[ "$rc" -eq 0 ] || cat "$work/consume.err" >&2
check "consume $n records in a consumer group" [ "$rc" -eq 0 ]
for i in $(seq 0 $((n - 1))); do echo "k$i	smoke-$i"; done | sort >"$work/expected"
cut -f3,4 "$work/consumed.tsv" | sort >"$work/got"
check "every record round-trips once, key and value intact" \
  cmp -s "$work/expected" "$work/got"
used="$(cut -f1 "$work/consumed.tsv" | sort -u | wc -l)"
check "records spread over the 3 partitions (used $used)" [ "$used" -eq 3 ]
# Per key, offsets only grow: order within a partition holds.
check "offsets increase within each partition" \
  awk -F'\t' '{ if (($1 in last) && $2 <= last[$1]) bad = 1; last[$1] = $2 } END { exit bad }' \
  "$work/consumed.tsv"
# The group committed: a second consumer of the same group gets nothing new.
"$client" consume "$bootstrap" "$topic" 1 "smoke-group-$$" 5 \
  >"$work/again.tsv" 2>/dev/null
check "committed offsets hold for the group (re-read $(wc -l <"$work/again.tsv") records)" \
  [ ! -s "$work/again.tsv" ]

# --- stop and leave nothing behind ------------------------------------------------
watch="$(sed -n 's/^WATCH_PID=//p' "$state")"
t0=$SECONDS
check "broker.sh stop" "$kafka/broker.sh" stop --state "$state"
echo "# stop took $((SECONDS - t0)) s"
running() {  # PID: exists and is not a zombie (one its new parent has yet to reap)
  local line
  { read -r line <"/proc/$1/stat"; } 2>/dev/null || return 1
  line="${line##*) }"
  case "${line:0:1}" in Z|X|"") return 1 ;; esac
}
alive() {  # PID NEEDLE: the pid runs a command line containing NEEDLE
  running "$1" && tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF -- "$2"
}
gone() { [ -z "$1" ] || ! running "$1"; }
check "the broker JVM is gone" gone "$pid"
leftovers=""
for p in /proc/[0-9]*; do
  p="${p#/proc/}"
  if alive "$p" "$dir"; then leftovers="$leftovers $p"; fi
done
check "no process mentions the broker's dir (found:${leftovers:- none})" [ -z "$leftovers" ]
check "the watcher exited" gone "$watch"
check "the temp dir $dir is removed" [ ! -e "$dir" ]
check "the state file is removed" [ ! -e "$state" ]
check "port $port is closed" python3 "$kafka/kafka_probe.py" wait-port-free "$port" 10
check "stop again is a no-op" "$kafka/broker.sh" stop --state "$state"
if "$kafka/broker.sh" status --state "$state" >/dev/null 2>&1; then
  not_ok "status says not running"
else
  ok "status says not running"
fi

finish
