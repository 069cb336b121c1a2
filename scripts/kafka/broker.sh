#!/usr/bin/env bash
# A throwaway single-node Apache Kafka broker (KRaft, broker+controller in one
# JVM) on free loopback ports with its own temp dir, for trailhound's tests.
#
#   scripts/kafka/broker.sh start  [--state FILE] [--owner PID] [--set KEY=VALUE]...
#   scripts/kafka/broker.sh stop   [--state FILE]
#   scripts/kafka/broker.sh status [--state FILE]
#
# start   fetches Kafka if needed (fetch.sh), lays out a freshly formatted
#         log dir, starts the broker, waits until it answers a Metadata
#         request listing itself
#         (at most TRAILHOUND_KAFKA_READY_TIMEOUT s, default 90), then prints
#         BOOTSTRAP=127.0.0.1:<port> on stdout and records pid, ports and dir
#         in the state file. On any failure it prints the log tail, kills what
#         it started, removes the temp dir and exits non-zero.
#         --owner PID: also stop the broker as soon as process PID is gone (a
#         watcher process does it), so a killed test leaves nothing behind.
#         --set KEY=VALUE: extra server.properties line (repeatable).
# stop    SIGTERM, SIGKILL after TRAILHOUND_KAFKA_STOP_TIMEOUT s (default 20),
#         removes the temp dir and the state file. Succeeds when nothing runs.
# status  prints BOOTSTRAP=… and exits 0 when the broker is up, else exits 1.
#
# State file: --state, else TRAILHOUND_KAFKA_STATE, else
# ${TMPDIR:-/tmp}/trailhound-kafka-<uid>.state. One broker per state file.
# Heap: TRAILHOUND_KAFKA_HEAP (default 512m); more JVM options:
# TRAILHOUND_KAFKA_JVM_OPTS (e.g. -XX:TieredStopAtLevel=1 starts faster but
# lowers the broker's peak throughput). TRAILHOUND_KAFKA_CDS=0 and
# TRAILHOUND_KAFKA_FRESH_FORMAT=1 turn off the two start-up savers described
# below. Version and cache: see common.sh.
set -euo pipefail
KAFKA_PROG=broker.sh
# shellcheck source=scripts/kafka/common.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

HEAP="${TRAILHOUND_KAFKA_HEAP:-512m}"
READY_TIMEOUT="${TRAILHOUND_KAFKA_READY_TIMEOUT:-90}"
STOP_TIMEOUT="${TRAILHOUND_KAFKA_STOP_TIMEOUT:-20}"
PROBE=(python3 "$KAFKA_SCRIPTS_DIR/kafka_probe.py")
DIR_PREFIX="trailhound-kafka."

usage() { kafka_usage "${BASH_SOURCE[0]}"; }

# --- processes ---------------------------------------------------------------

# True when PID exists and is not a zombie. Bash builtins only: the watcher
# calls it every second.
pid_alive() {
  local line
  [ -n "$1" ] || return 1
  { read -r line <"/proc/$1/stat"; } 2>/dev/null || return 1
  line="${line##*) }"
  case "${line:0:1}" in Z|X|"") return 1 ;; esac
}

# True when PID is alive and its command line contains NEEDLE (guards against
# a recycled pid: we only ever signal processes we started).
pid_runs() {
  local -a args
  pid_alive "$1" || return 1
  { mapfile -d '' args <"/proc/$1/cmdline"; } 2>/dev/null || return 1
  [[ " ${args[*]} " == *"$2"* ]]
}

# Waits up to SECONDS for PID to be gone; true if it is.
wait_gone() {
  local pid="$1" deadline=$((SECONDS + $2))
  while pid_alive "$pid"; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.1
  done
}

# Stops the broker PID started with DIR: SIGTERM, then SIGKILL. Sets
# KILLED=1 when it took SIGKILL.
KILLED=0
kill_broker() {
  local pid="$1" dir="$2"
  pid_runs "$pid" "$dir/server.properties" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_gone "$pid" "$STOP_TIMEOUT"; then
    kafka_log "broker pid $pid ignored SIGTERM for ${STOP_TIMEOUT}s; sending SIGKILL"
    KILLED=1
    kill -KILL "$pid" 2>/dev/null || true
    wait_gone "$pid" 10 || { kafka_log "broker pid $pid survived SIGKILL"; return 1; }
  fi
}

# Class-data sharing: the first broker of a cache records the classes it
# loaded (-XX:ArchiveClassesAtExit, written into its temp dir when it exits
# on SIGTERM); stop moves that archive into the cache, and later brokers map
# it (-XX:SharedArchiveFile). It halves the JVM's start-up CPU (about 8 s to
# 4 s here). A stale or foreign archive is ignored by the JVM.
# TRAILHOUND_KAFKA_CDS=0 turns it off.
cds_archive() { echo "$KAFKA_CACHE/cds/broker-$KAFKA_VERSION-java-${JAVA_VM_VERSION:-unknown}.jsa"; }

# After a clean exit, keeps the archive a broker wrote (PENDING) as FINAL.
cds_install() {  # PENDING FINAL
  local pending="$1" final="$2"
  [ -n "$pending" ] && [ -n "$final" ] && [ "$KILLED" = 0 ] || return 0
  [ -s "$pending" ] || return 0
  [ -f "$final" ] && return 0
  if mkdir -p "$(dirname -- "$final")" &&
     cp -- "$pending" "$final.partial.$$" &&
     mv -f -- "$final.partial.$$" "$final"; then
    kafka_log "saved class-data archive $final for faster starts"
  else
    rm -f -- "$final.partial.$$"
  fi
  return 0
}

kill_watcher() {
  local pid="$1" dir="$2"
  if [ -n "$pid" ] && [ "$pid" != "$$" ] && pid_runs "$pid" "__watch" &&
     pid_runs "$pid" "$dir"; then
    kill -TERM "$pid" 2>/dev/null || true
    wait_gone "$pid" 5 || true
  fi
}

# Removes a temp dir this script made, never anything else.
remove_dir() {
  local dir="$1"
  case "$(basename -- "$dir")" in
    "$DIR_PREFIX"*) [ -d "$dir" ] && rm -rf -- "$dir" ;;
  esac
  return 0
}

# --- state file --------------------------------------------------------------

state_get() {  # KEY FILE
  [ -f "$2" ] || return 0
  sed -n "s/^$1=//p" "$2" | head -n1
}

# --- commands ----------------------------------------------------------------

cmd_stop() {
  if [ ! -f "$STATE" ]; then
    kafka_log "not running (no state file $STATE)"
    return 0
  fi
  local pid dir watch started=$SECONDS rc=0
  pid="$(state_get PID "$STATE")"
  dir="$(state_get DIR "$STATE")"
  watch="$(state_get WATCH_PID "$STATE")"
  if [ -n "$pid" ] && [ -n "$dir" ]; then
    kill_broker "$pid" "$dir" || rc=1
  fi
  kill_watcher "$watch" "$dir"
  cds_install "$(state_get CDS_PENDING "$STATE")" "$(state_get CDS_ARCHIVE "$STATE")"
  [ -n "$dir" ] && remove_dir "$dir"
  rm -f -- "$STATE"
  kafka_log "stopped broker pid ${pid:-?} in $((SECONDS - started)) s; removed ${dir:-nothing}"
  return "$rc"
}

cmd_status() {
  local pid dir bootstrap
  pid="$(state_get PID "$STATE")"
  dir="$(state_get DIR "$STATE")"
  bootstrap="$(state_get BOOTSTRAP "$STATE")"
  if [ -n "$pid" ] && pid_runs "$pid" "$dir/server.properties"; then
    if "${PROBE[@]}" ready "$bootstrap" >/dev/null 2>&1; then
      echo "BOOTSTRAP=$bootstrap"
      kafka_log "running: pid $pid, dir $dir"
      return 0
    fi
    kafka_log "pid $pid is alive but $bootstrap does not answer"
    return 1
  fi
  kafka_log "not running${pid:+ (stale state file $STATE)}"
  return 1
}

# Background watcher: stops the broker when the owner process is gone.
cmd_watch() {  # STATE OWNER_PID BROKER_PID DIR
  local state="$1" owner="$2" pid="$3" dir="$4" nap=""
  # `wait` returns at once on a trapped signal, where a foreground sleep
  # would delay the trap by up to a second.
  trap '[ -n "$nap" ] && kill "$nap" 2>/dev/null; exit 0' TERM
  while pid_runs "$pid" "$dir/server.properties"; do
    if ! pid_alive "$owner"; then
      kafka_log "owner pid $owner is gone; stopping broker pid $pid"
      kill_broker "$pid" "$dir" || true
      if [ "$(state_get PID "$state")" = "$pid" ]; then
        cds_install "$(state_get CDS_PENDING "$state")" "$(state_get CDS_ARCHIVE "$state")"
      fi
      remove_dir "$dir"
      if [ "$(state_get PID "$state")" = "$pid" ]; then rm -f -- "$state"; fi
      return 0
    fi
    sleep 1 &
    nap=$!
    wait "$nap" || true
    nap=""
  done
}

write_properties() {  # DIR PORT CPORT
  local dir="$1" port="$2" cport="$3" kv
  {
    echo "# written by scripts/kafka/broker.sh"
    echo "process.roles=broker,controller"
    echo "node.id=1"
    echo "controller.quorum.voters=1@127.0.0.1:$cport"
    echo "listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport"
    echo "advertised.listeners=PLAINTEXT://127.0.0.1:$port"
    echo "controller.listener.names=CONTROLLER"
    echo "inter.broker.listener.name=PLAINTEXT"
    echo "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
    echo "log.dirs=$dir/data"
    echo "num.partitions=4"
    echo "auto.create.topics.enable=true"
    echo "offsets.topic.replication.factor=1"
    echo "offsets.topic.num.partitions=5"
    echo "transaction.state.log.replication.factor=1"
    echo "transaction.state.log.min.isr=1"
    echo "transaction.state.log.num.partitions=5"
    echo "share.coordinator.state.topic.replication.factor=1"
    echo "share.coordinator.state.topic.min.isr=1"
    echo "group.initial.rebalance.delay.ms=0"
    for kv in "${EXTRA_PROPS[@]+"${EXTRA_PROPS[@]}"}"; do echo "$kv"; done
  } >"$dir/server.properties"
}

# Formats a KRaft log dir: kafka.tools.StorageTool format (a JVM, 1.5-4 s).
format_data_dir() {  # PROPERTIES CLUSTER_ID LOG
  if ! kafka_java 256m kafka.tools.StorageTool format -t "$2" -c "$1" >"$3" 2>&1; then
    tail -n 20 "$3" >&2
    kafka_die "formatting the log dir failed (Kafka $KAFKA_VERSION, $JAVA; log $3)"
  fi
}

# A formatted log dir kept in the cache, copied by every start instead of
# running the format JVM each time. What format writes does not depend on
# the ports (the static controller.quorum.voters is not stored), and start
# rewrites meta.properties with fresh cluster and directory ids.
# TRAILHOUND_KAFKA_FRESH_FORMAT=1 formats each broker's dir instead.
ensure_template() {
  local tpl="$KAFKA_CACHE/kraft-template" tmp
  [ -f "$tpl/meta.properties" ] && return 0
  exec 8>"$KAFKA_CACHE/.lock"
  flock -w 120 8 || kafka_die "timed out waiting for the lock on $KAFKA_CACHE"
  if [ ! -f "$tpl/meta.properties" ]; then
    tmp="$(mktemp -d "$KAFKA_CACHE/kraft-template.partial.XXXXXX")"
    {
      echo "process.roles=broker,controller"
      echo "node.id=1"
      echo "controller.quorum.voters=1@127.0.0.1:9"
      echo "listeners=PLAINTEXT://127.0.0.1:10,CONTROLLER://127.0.0.1:9"
      echo "controller.listener.names=CONTROLLER"
      echo "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
      echo "log.dirs=$tmp/data"
    } >"$tmp/server.properties"
    if ! kafka_java 256m kafka.tools.StorageTool format \
         -t "$("${PROBE[@]}" cluster-id)" -c "$tmp/server.properties" \
         >"$tmp/format.log" 2>&1; then
      tail -n 20 "$tmp/format.log" >&2
      rm -rf -- "$tmp"
      kafka_die "formatting the template log dir failed (Kafka $KAFKA_VERSION, $JAVA)"
    fi
    rm -rf -- "$tpl"
    mv -- "$tmp/data" "$tpl"
    rm -rf -- "$tmp"
  fi
  exec 8>&-
}

# Globals, not locals: the EXIT trap of cmd_start reads them.
pid="" dir="" watch_pid="" ok=0

cmd_start() {
  local port cport cid attempt started=$SECONDS cds_archive cds_pending cds_opts

  if [ -f "$STATE" ]; then
    local old_pid old_dir
    old_pid="$(state_get PID "$STATE")"
    old_dir="$(state_get DIR "$STATE")"
    if [ -n "$old_pid" ] && pid_runs "$old_pid" "$old_dir/server.properties"; then
      kafka_die "a broker already runs for $STATE (pid $old_pid, $(state_get BOOTSTRAP "$STATE")); stop it first or use another --state"
    fi
    kafka_log "removing stale state $STATE"
    [ -n "$old_dir" ] && remove_dir "$old_dir"
    rm -f -- "$STATE"
  fi

  "$KAFKA_SCRIPTS_DIR/fetch.sh"
  kafka_find_java
  cds_archive="$(cds_archive)"
  command -v python3 >/dev/null 2>&1 || kafka_die "python3 not found (used to pick ports and probe readiness)"
  mkdir -p "$(dirname -- "$STATE")"

  [ "${TRAILHOUND_KAFKA_FRESH_FORMAT:-0}" = 1 ] || ensure_template
  dir="$(mktemp -d "${TMPDIR:-/tmp}/${DIR_PREFIX}XXXXXX")"
  # From here on, any way out but success kills the JVM and removes the dir.
  # shellcheck disable=SC2317  # invoked through the trap
  on_exit() {
    if [ "$ok" != 1 ]; then
      [ -n "$pid" ] && kill_broker "$pid" "$dir"
      [ -n "$watch_pid" ] && kill_watcher "$watch_pid" "$dir"
      remove_dir "$dir"
    fi
  }
  trap on_exit EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM HUP

  cid="$("${PROBE[@]}" cluster-id)"
  for attempt in 1 2 3; do
    read -r port cport < <("${PROBE[@]}" free-ports 2)
    write_properties "$dir" "$port" "$cport"
    rm -rf -- "$dir/data"
    if [ "${TRAILHOUND_KAFKA_FRESH_FORMAT:-0}" = 1 ]; then
      format_data_dir "$dir/server.properties" "$cid" "$dir/format.log"
    else
      cp -R -- "$KAFKA_CACHE/kraft-template" "$dir/data"
      # Same bootstrap metadata as a fresh format; own cluster and dir ids.
      printf '#written by broker.sh from %s\nnode.id=1\ndirectory.id=%s\nversion=1\ncluster.id=%s\n' \
        "$KAFKA_CACHE/kraft-template" "$("${PROBE[@]}" cluster-id)" "$cid" \
        >"$dir/data/meta.properties"
    fi
    cds_opts=()
    cds_pending=""
    if [ "${TRAILHOUND_KAFKA_CDS:-1}" = 1 ]; then
      if [ -f "$cds_archive" ]; then
        cds_opts=("-XX:SharedArchiveFile=$cds_archive")
      else
        cds_pending="$dir/broker.jsa"
        cds_opts=("-XX:ArchiveClassesAtExit=$cds_pending")
      fi
    fi
    # shellcheck disable=SC2086  # TRAILHOUND_KAFKA_JVM_OPTS is a list
    "$JAVA" -Xms128m "-Xmx$HEAP" -XX:+ExitOnOutOfMemoryError -XX:-UsePerfData \
      "${cds_opts[@]+"${cds_opts[@]}"}" ${TRAILHOUND_KAFKA_JVM_OPTS:-} \
      -Djava.awt.headless=true \
      "-Dlog4j2.configurationFile=$KAFKA_SCRIPTS_DIR/log4j2-broker.properties" \
      -cp "$KAFKA_LIBS/*" kafka.Kafka "$dir/server.properties" \
      >"$dir/broker.log" 2>&1 </dev/null &
    pid=$!

    local deadline=$((SECONDS + READY_TIMEOUT)) ready=0 code
    while [ "$SECONDS" -lt "$deadline" ]; do
      if ! pid_alive "$pid"; then
        code=0; wait "$pid" 2>/dev/null || code=$?
        pid=""
        if [ "$attempt" -lt 3 ] && grep -qE 'BindException|Address already in use' "$dir/broker.log"; then
          kafka_log "port $port or $cport was taken meanwhile; retrying with others"
          continue 2
        fi
        tail -n 40 "$dir/broker.log" >&2
        kafka_die "the broker exited with code $code before it was ready"
      fi
      if "${PROBE[@]}" ready "127.0.0.1:$port" >/dev/null 2>"$dir/probe.err"; then
        ready=1
        break
      fi
      sleep 0.3
    done
    if [ "$ready" != 1 ]; then
      tail -n 40 "$dir/broker.log" >&2
      kafka_die "the broker was not ready after ${READY_TIMEOUT}s ($(cat "$dir/probe.err" 2>/dev/null))"
    fi
    break
  done

  if [ -n "$OWNER" ]; then
    "${BASH_SOURCE[0]}" __watch "$STATE" "$OWNER" "$pid" "$dir" \
      >>"$dir/watch.log" 2>&1 </dev/null &
    watch_pid=$!
  fi
  {
    echo "PID=$pid"
    echo "PORT=$port"
    echo "CONTROLLER_PORT=$cport"
    echo "BOOTSTRAP=127.0.0.1:$port"
    echo "DIR=$dir"
    echo "LOG=$dir/broker.log"
    echo "WATCH_PID=$watch_pid"
    echo "OWNER_PID=$OWNER"
    echo "KAFKA_VERSION=$KAFKA_VERSION"
    echo "CLASSPATH=$KAFKA_LIBS/*"
    echo "CDS_PENDING=$cds_pending"
    echo "CDS_ARCHIVE=$cds_archive"
  } >"$STATE.tmp.$$"
  mv -f -- "$STATE.tmp.$$" "$STATE"
  ok=1
  echo "BOOTSTRAP=127.0.0.1:$port"
  kafka_log "Kafka $KAFKA_VERSION ready at 127.0.0.1:$port in $((SECONDS - started)) s (pid $pid, log $dir/broker.log)"
}

# --- main --------------------------------------------------------------------

[ $# -ge 1 ] || { usage >&2; exit 2; }
CMD="$1"; shift
if [ "$CMD" = __watch ]; then
  cmd_watch "$@"
  exit 0
fi
STATE="${TRAILHOUND_KAFKA_STATE:-${TMPDIR:-/tmp}/trailhound-kafka-$(id -u).state}"
OWNER=""
EXTRA_PROPS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --state) STATE="${2:?--state needs a file}"; shift 2 ;;
    --owner) OWNER="${2:?--owner needs a pid}"; shift 2 ;;
    --set) [[ "${2:-}" == *=* ]] || kafka_die "--set needs KEY=VALUE"; EXTRA_PROPS+=("$2"); shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) kafka_die "unknown argument '$1' (try --help)" ;;
  esac
done
case "$STATE" in /*) ;; *) STATE="$PWD/$STATE" ;; esac

case "$CMD" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  -h|--help|help) usage ;;
  *) usage >&2; exit 2 ;;
esac
