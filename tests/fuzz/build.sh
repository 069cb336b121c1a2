#!/usr/bin/env bash
# Configures and builds the libFuzzer targets with clang in build-fuzz/
# (idempotent: an existing configuration is reused).
#   tests/fuzz/build.sh [BUILD_DIR]      default: <repo>/build-fuzz
# Environment: JOBS (default 2), CXX_FUZZ (default: clang++, else clang++-14).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build_dir="${1:-$root/build-fuzz}"
jobs="${JOBS:-2}"

cxx="${CXX_FUZZ:-}"
if [ -z "$cxx" ]; then
  for candidate in clang++ clang++-14; do
    if command -v "$candidate" >/dev/null 2>&1; then cxx="$candidate"; break; fi
  done
fi
if [ -z "$cxx" ] || ! command -v "$cxx" >/dev/null 2>&1; then
  echo "fuzz: clang++ not found; the fuzz targets need clang with libFuzzer" >&2
  echo "fuzz: install it with scripts/install-deps.sh (Debian packages clang libclang-rt-14-dev)" >&2
  exit 2
fi
# libFuzzer's runtime is in compiler-rt (Debian: libclang-rt-14-dev).
if ! echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' |
     "$cxx" -x c++ -fsanitize=fuzzer -o /dev/null - >/dev/null 2>&1; then
  echo "fuzz: $cxx cannot link -fsanitize=fuzzer; install libclang-rt-14-dev (scripts/install-deps.sh)" >&2
  exit 2
fi

generator=()
command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)
if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  cmake -S "$here" -B "$build_dir" "${generator[@]}" -DCMAKE_CXX_COMPILER="$cxx" \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build_dir" -j"$jobs"
