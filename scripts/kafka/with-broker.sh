#!/usr/bin/env bash
# Runs a command beside a throwaway Kafka broker: starts one with broker.sh,
# exports TRAILHOUND_KAFKA_BOOTSTRAP=127.0.0.1:<port>, runs the command, stops
# the broker whatever the command did, and exits with the command's status.
#
#   scripts/kafka/with-broker.sh COMMAND [ARGS...]
#
# TRAILHOUND_KAFKA_BOOTSTRAP already set: that broker is used, none started.
# TRAILHOUND_KAFKA=required (default): a broker that cannot start fails the run.
# TRAILHOUND_KAFKA=auto: if it cannot start (no Java, no Maven, no registry),
#   say so and run the command without it; Kafka tests then skip themselves.
# TRAILHOUND_KAFKA=off: start none; TRAILHOUND_KAFKA_BOOTSTRAP stays unset.
# If this script is killed, the broker's watcher stops the broker within ~1 s.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[ $# -ge 1 ] || { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}" >&2; exit 2; }

mode="${TRAILHOUND_KAFKA:-required}"
if [ -n "${TRAILHOUND_KAFKA_BOOTSTRAP:-}" ] || [ "$mode" = off ]; then
  exec "$@"
fi

state="$(mktemp "${TMPDIR:-/tmp}/trailhound-kafka-run.XXXXXX")"
rm -f -- "$state"
# shellcheck disable=SC2317  # invoked through the trap
stop_broker() { "$here/broker.sh" stop --state "$state" || true; rm -f -- "$state"; }
trap stop_broker EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

if out="$("$here/broker.sh" start --state "$state" --owner $$)"; then
  export TRAILHOUND_KAFKA_BOOTSTRAP="${out#BOOTSTRAP=}"
  echo "with-broker.sh: TRAILHOUND_KAFKA_BOOTSTRAP=$TRAILHOUND_KAFKA_BOOTSTRAP" >&2
elif [ "$mode" = auto ]; then
  echo "with-broker.sh: no Kafka broker (see above); running without one" >&2
else
  echo "with-broker.sh: the Kafka broker did not start (TRAILHOUND_KAFKA=auto runs without it)" >&2
  exit 1
fi

rc=0
"$@" || rc=$?
exit "$rc"
