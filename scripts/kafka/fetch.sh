#!/usr/bin/env bash
# Fetches Apache Kafka (org.apache.kafka:kafka_2.13, kafka-tools and their
# runtime dependencies) from Maven Central into a cache folder, for
# scripts/kafka/broker.sh. Idempotent: does nothing when the jars are there.
#
#   scripts/kafka/fetch.sh [--force] [--print-dir]
#
# --force      fetch again even if the cache looks complete
# --print-dir  print the cache folder on stdout when done
#
# Cache: ${TRAILHOUND_KAFKA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/trailhound/kafka-<version>}
# with the jars in libs/. Version: TRAILHOUND_KAFKA_VERSION (default 4.4.0).
# Extra Maven options: TRAILHOUND_MVN_OPTS (e.g. "-o" or "-Dmaven.repo.local=…").
# Exit codes: 0 ok, 1 Maven failed, 3 Maven or Java missing.
set -euo pipefail
KAFKA_PROG=fetch.sh
# shellcheck source=scripts/kafka/common.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

force=0
print_dir=0
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    --print-dir) print_dir=1 ;;
    -h|--help) kafka_usage "${BASH_SOURCE[0]}"; exit 0 ;;
    *) kafka_die "unknown argument '$arg' (try --help)" ;;
  esac
done

done_msg() { [ "$print_dir" = 1 ] && printf '%s\n' "$KAFKA_CACHE"; return 0; }

if [ "$force" = 0 ] && kafka_fetched; then
  done_msg
  exit 0
fi

command -v mvn >/dev/null 2>&1 ||
  KAFKA_DIE_CODE=3 kafka_die "Maven (mvn) not found: it fetches Kafka's jars (Debian: apt-get install maven)"
kafka_find_java

mkdir -p "$KAFKA_CACHE"
# One fetch at a time per cache (parallel ctest jobs, make test beside a
# developer's own start): the second waits for the first, then finds it done.
exec 9>"$KAFKA_CACHE/.lock"
if ! flock -w 600 9; then
  kafka_die "timed out waiting for another fetch into $KAFKA_CACHE"
fi
if [ "$force" = 0 ] && kafka_fetched; then
  done_msg
  exit 0
fi

kafka_log "fetching Apache Kafka $KAFKA_VERSION from Maven Central into $KAFKA_LIBS"
started=$SECONDS
staging="$KAFKA_CACHE/libs.partial.$$"
rm -rf "$staging"
trap 'rm -rf "$staging"' EXIT
mvn_log="$KAFKA_CACHE/mvn.log"
# shellcheck disable=SC2086  # TRAILHOUND_MVN_OPTS is a list of options
if ! mvn -B -q -Dstyle.color=never ${TRAILHOUND_MVN_OPTS:-} \
     -f "$KAFKA_SCRIPTS_DIR/pom.xml" \
     "-Dkafka.version=$KAFKA_VERSION" \
     dependency:copy-dependencies -DincludeScope=runtime \
     "-DoutputDirectory=$staging" >"$mvn_log" 2>&1; then
  tail -n 30 "$mvn_log" >&2
  kafka_die "Maven could not fetch Kafka $KAFKA_VERSION (full log: $mvn_log)"
fi
[ -f "$staging/kafka_2.13-$KAFKA_VERSION.jar" ] ||
  kafka_die "Maven finished but $staging/kafka_2.13-$KAFKA_VERSION.jar is missing"

rm -rf "$KAFKA_LIBS" "$KAFKA_CACHE/.complete" "$KAFKA_CACHE/kraft-template"
mv "$staging" "$KAFKA_LIBS"
{
  echo "version=$KAFKA_VERSION"
  echo "jars=$(find "$KAFKA_LIBS" -name '*.jar' | wc -l)"
  echo "fetched=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
} >"$KAFKA_CACHE/.complete"
kafka_log "fetched $(find "$KAFKA_LIBS" -name '*.jar' | wc -l) jars ($(du -sh "$KAFKA_LIBS" | cut -f1)) in $((SECONDS - started)) s"
done_msg
