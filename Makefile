# Two commands set everything up on a fresh machine:
#   make demo   - install what is missing, build, run the shipped rules over a generated sample
#   make test   - install what is missing, build, run every test through ctest
BUILD_DIR ?= build
JOBS ?= 2

.PHONY: all deps build demo test bench fuzz kafka-smoke clean

all: build

deps:
	@scripts/install-deps.sh

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j$(JOBS)

demo: build
	@scripts/demo.sh $(BUILD_DIR)

# Every test, the Kafka ones (label kafka) against a real KRaft broker that
# scripts/kafka/with-broker.sh starts on a free loopback port and stops after.
test: build
	scripts/kafka/fetch.sh
	cd $(BUILD_DIR) && $(CURDIR)/scripts/kafka/with-broker.sh ctest --output-on-failure -j$(JOBS)

# trailhound beside a bare simdjson pass and DuckDB on 1,000,000 generated
# records; e.g. make bench BENCH_ARGS="--records 200000" for a quick run.
bench: build
	python3 bench/run_bench.py --build-dir $(BUILD_DIR) $(BENCH_ARGS)

# End to end through a real Kafka broker (scripts/kafka): trailhound run
# between topics, fed by trailhound replay at 10,000/s, 50,000/s and full
# speed; records/s, MB/s and alert latency p50/p99 per configuration. E.g.
# make bench-kafka KAFKA_BENCH_ARGS="--records 50000 --seconds 5" for a quick run.
.PHONY: bench-kafka
bench-kafka: build
	python3 bench/kafka_bench.py --build-dir $(BUILD_DIR) $(KAFKA_BENCH_ARGS)

# Stateful rules (windows, first_seen, suppression) on one thread: the pack
# alone, with rules_stateful/ and with the bench's own stateful rules (also
# with --state-dir), records/s against the stateless pack; then state memory
# (peak RSS per key at 100,000 and 1,000,000 keys, against the status line's
# estimate). E.g. make bench-state STATE_BENCH_ARGS="--records 200000 --repeat 1
# --state-records 100000 --state-keys 1000,10000,100000" for a quick run.
.PHONY: bench-state
bench-state: build
	python3 bench/stateful_bench.py --build-dir $(BUILD_DIR) $(STATE_BENCH_ARGS)

# libFuzzer targets (rule parser; record extraction + matching vs the
# reference interpreter), FUZZ_SECONDS each.
FUZZ_SECONDS ?= 600
fuzz: deps
	tests/fuzz/run.sh $(FUZZ_SECONDS)

# Only the Kafka tests (label kafka), beside their own broker.
kafka-smoke: build
	scripts/kafka/fetch.sh
	cd $(BUILD_DIR) && $(CURDIR)/scripts/kafka/with-broker.sh ctest --output-on-failure -L kafka

clean:
	rm -rf $(BUILD_DIR) build-fuzz
