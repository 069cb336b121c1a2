#!/usr/bin/env bash
# Runs a Kafka command-line tool from the jars fetch.sh cached, the way
# bin/kafka-*.sh would, without a Kafka distribution.
#
#   scripts/kafka/tool.sh TOOL [ARGS...]
#
# TOOL is one of topics, console-producer, console-consumer, consumer-groups,
# configs, get-offsets, delete-records, producer-perf, consumer-perf, storage,
# or a fully qualified main class. Example:
#   scripts/kafka/tool.sh topics --bootstrap-server "$BOOTSTRAP" \
#     --create --topic alerts --partitions 3 --replication-factor 1
# Heap: TRAILHOUND_KAFKA_TOOL_HEAP (default 256m). Logs: warnings on stderr.
set -euo pipefail
KAFKA_PROG=tool.sh
# shellcheck source=scripts/kafka/common.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

[ $# -ge 1 ] || { kafka_usage "${BASH_SOURCE[0]}" >&2; exit 2; }
tool="$1"; shift
case "$tool" in
  topics) class=org.apache.kafka.tools.TopicCommand ;;
  console-producer) class=org.apache.kafka.tools.ConsoleProducer ;;
  console-consumer) class=org.apache.kafka.tools.consumer.ConsoleConsumer ;;
  consumer-groups) class=org.apache.kafka.tools.consumer.group.ConsumerGroupCommand ;;
  configs) class=org.apache.kafka.tools.ConfigCommand ;;
  get-offsets) class=org.apache.kafka.tools.GetOffsetShell ;;
  delete-records) class=org.apache.kafka.tools.DeleteRecordsCommand ;;
  producer-perf) class=org.apache.kafka.tools.ProducerPerformance ;;
  consumer-perf) class=org.apache.kafka.tools.ConsumerPerformance ;;
  storage) class=kafka.tools.StorageTool ;;
  -h|--help) kafka_usage "${BASH_SOURCE[0]}"; exit 0 ;;
  *.*) class="$tool" ;;
  *) kafka_die "unknown tool '$tool' (try --help)" ;;
esac
"$KAFKA_SCRIPTS_DIR/fetch.sh"
kafka_find_java
jit=(-XX:TieredStopAtLevel=1)  # short-lived: skip C2, start faster
case "$tool" in *-perf) jit=() ;; esac
exec "$JAVA" "-Xmx${TRAILHOUND_KAFKA_TOOL_HEAP:-256m}" -XX:-UsePerfData "${jit[@]+"${jit[@]}"}" \
  -Djava.awt.headless=true \
  "-Dlog4j2.configurationFile=$KAFKA_SCRIPTS_DIR/log4j2-tools.properties" \
  -cp "$KAFKA_LIBS/*" "$class" "$@"
