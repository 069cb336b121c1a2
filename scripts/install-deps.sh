#!/usr/bin/env bash
# Installs what trailhound needs and is missing; does nothing when all is there.
set -euo pipefail

debian_packages=(
  build-essential cmake ninja-build pkg-config python3 python3-pip tzdata time
  libsimdjson-dev libre2-dev libabsl-dev libhyperscan-dev librdkafka-dev
  zlib1g-dev libgtest-dev libbenchmark-dev libcurl4-openssl-dev
  clang libclang-rt-14-dev
)

missing=()
for pkg in "${debian_packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
if ((${#missing[@]})); then
  echo "install-deps: installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q "${missing[@]}"
fi

# Python test helpers: DuckDB (the SQL oracle of the differential tests) and
# confluent-kafka (produces and reads topics in the Kafka integration tests).
for module_package in duckdb:duckdb confluent_kafka:confluent-kafka; do
  module="${module_package%%:*}" package="${module_package#*:}"
  if ! python3 -c "import $module" 2>/dev/null; then
    echo "install-deps: installing Python package $package"
    python3 -m pip install -q "$package" || python3 -m pip install -q --break-system-packages "$package"
  fi
done
