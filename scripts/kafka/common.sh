# shellcheck shell=bash
# Shared settings of scripts/kafka/*.sh; sourced, not run.
#
# Environment (all optional):
#   TRAILHOUND_KAFKA_VERSION  Apache Kafka version to fetch and run (4.4.0)
#   TRAILHOUND_KAFKA_CACHE    where its jars live
#                             (${XDG_CACHE_HOME:-$HOME/.cache}/trailhound/kafka-<version>)
#   JAVA_HOME                 the JDK/JRE to use (else `java` on PATH); 17 or newer

KAFKA_SCRIPTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KAFKA_VERSION="${TRAILHOUND_KAFKA_VERSION:-4.4.0}"
KAFKA_CACHE="${TRAILHOUND_KAFKA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/trailhound/kafka-$KAFKA_VERSION}"
KAFKA_LIBS="$KAFKA_CACHE/libs"
KAFKA_MIN_JAVA=17

kafka_log() { printf '%s: %s\n' "${KAFKA_PROG:-kafka}" "$*" >&2; }
kafka_die() { kafka_log "$*"; exit "${KAFKA_DIE_CODE:-1}"; }

# Sets JAVA to a java binary of version >= KAFKA_MIN_JAVA, or dies saying why.
kafka_find_java() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    JAVA="$JAVA_HOME/bin/java"
  elif command -v java >/dev/null 2>&1; then
    JAVA="$(command -v java)"
  else
    KAFKA_DIE_CODE=3 kafka_die "Java not found: Kafka $KAFKA_VERSION needs a Java $KAFKA_MIN_JAVA+ runtime (Debian: apt-get install openjdk-17-jre-headless, or set JAVA_HOME)"
  fi
  local props line major
  props="$("$JAVA" -XshowSettings:properties -version 2>&1 || true)"
  line="$(grep -m1 'java.specification.version' <<<"$props" || true)"
  major="${line##*= }"
  major="${major#1.}"
  major="${major%%.*}"
  if ! [[ "$major" =~ ^[0-9]+$ ]] || [ "$major" -lt "$KAFKA_MIN_JAVA" ]; then
    KAFKA_DIE_CODE=3 kafka_die "$JAVA is Java '${major:-unknown}'; Kafka $KAFKA_VERSION needs Java $KAFKA_MIN_JAVA or newer (set JAVA_HOME)"
  fi
  # The exact VM build, e.g. 17.0.15+6-Debian-1deb12u1: names class-data archives.
  line="$(grep -m1 'java.vm.version' <<<"$props" || true)"
  JAVA_VM_VERSION="${line##*= }"
  JAVA_VM_VERSION="${JAVA_VM_VERSION//[^A-Za-z0-9._+-]/_}"
}

# True when fetch.sh completed for this version and cache.
kafka_fetched() {
  [ -f "$KAFKA_CACHE/.complete" ] && [ -f "$KAFKA_LIBS/kafka_2.13-$KAFKA_VERSION.jar" ]
}

# Runs a Kafka main class from the cached jars with a small heap and quiet logs.
# Usage: kafka_java HEAP CLASS ARGS...
kafka_java() {
  local heap="$1"; shift
  "$JAVA" "-Xmx$heap" -XX:-UsePerfData -Djava.awt.headless=true \
    "-Dlog4j2.configurationFile=$KAFKA_SCRIPTS_DIR/log4j2-tools.properties" \
    -cp "$KAFKA_LIBS/*" "$@"
}

# Prints the comment block at the top of script FILE (its usage).
kafka_usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$1"; }
