#!/usr/bin/env bash
# Builds (tests/fuzz/build.sh) and runs every libFuzzer target for SECONDS
# each, one after the other, and prints one summary line per target.
#
#   tests/fuzz/run.sh [SECONDS]          default 30
#
# Each target starts from its committed seed corpus (tests/fuzz/corpus/<target>/),
# copied to a temporary working folder so the committed corpus is never
# modified; with -dict=tests/fuzz/<target>.dict, -timeout=10 (a slower input
# is a finding), -rss_limit_mb=2048, -max_len=4096. Exit status: 0 when no
# target found anything, 1 when one crashed / hung / ran out of memory / leaked
# (the reproducer is kept under BUILD_DIR/artifacts/<target>/ and the end of
# the log is printed), 2 when the targets cannot be built.
#
# Environment:
#   FUZZ_BUILD_DIR   build folder (default <repo>/build-fuzz)
#   FUZZ_TARGETS     targets to run (default "rule_parser_fuzzer record_match_fuzzer")
#   FUZZ_CORPUS_OUT  if set, each target's grown corpus is copied to
#                    $FUZZ_CORPUS_OUT/<target>/ (to merge new seeds by hand)
#   FUZZ_ARGS        extra libFuzzer flags for every target; with -runs=N the
#                    time limit is dropped (each target runs exactly N inputs)
#   FUZZ_NO_BUILD=1  skip the build step
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
seconds="${1:-30}"
build_dir="${FUZZ_BUILD_DIR:-$root/build-fuzz}"
targets="${FUZZ_TARGETS:-rule_parser_fuzzer record_match_fuzzer}"

if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
  echo "usage: tests/fuzz/run.sh [SECONDS]" >&2
  exit 2
fi
if [ "${FUZZ_NO_BUILD:-0}" != 1 ]; then
  "$here/build.sh" "$build_dir" || exit 2
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/trailhound-fuzz.XXXXXX")"
trap 'rm -rf "$work"' EXIT
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

failed=0
for target in $targets; do
  name="${target%_fuzzer}"
  binary="$build_dir/$target"
  if [ ! -x "$binary" ]; then
    echo "fuzz: $target: not built ($binary)" >&2
    failed=1
    continue
  fi
  corpus="$work/$name"
  mkdir -p "$corpus"
  if [ -d "$here/corpus/$name" ]; then cp -R "$here/corpus/$name/." "$corpus/"; fi
  seeds=$(find "$corpus" -type f | wc -l)
  artifacts="$build_dir/artifacts/$name"
  mkdir -p "$artifacts" "$build_dir/logs"
  log="$build_dir/logs/$name.log"
  dict=()
  [ -f "$here/$name.dict" ] && dict=(-dict="$here/$name.dict")
  # A fixed number of inputs (-runs=N in FUZZ_ARGS, as the ctest smoke run
  # does with -seed) replaces the time limit: the run is then the same on any
  # machine, however fast.
  limit=(-max_total_time="$seconds")
  case " ${FUZZ_ARGS:-} " in *" -runs="*) limit=() ;; esac
  start=$(date +%s)
  # shellcheck disable=SC2086
  "$binary" "$corpus" "${dict[@]}" "${limit[@]}" -timeout=10 -rss_limit_mb=2048 \
      -max_len=4096 -print_final_stats=1 -artifact_prefix="$artifacts/" ${FUZZ_ARGS:-} \
      </dev/null >"$log" 2>&1
  status=$?
  elapsed=$(( $(date +%s) - start ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([0-9]*\/[0-9A-Za-z]*\).*/\1/p' <<<"$last")
  if [ -n "${FUZZ_CORPUS_OUT:-}" ]; then
    mkdir -p "$FUZZ_CORPUS_OUT/$name" && cp -R "$corpus/." "$FUZZ_CORPUS_OUT/$name/"
  fi
  if [ "$status" -eq 0 ]; then
    printf 'fuzz: %-20s ok     %4ss  %s execs  cov %s  ft %s  corpus %s (from %s seeds)  peak rss %s MB\n' \
      "$name" "$elapsed" "${execs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$seeds" "${rss:-?}"
  else
    failed=1
    artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
    printf 'fuzz: %-20s FAILED %4ss  %s execs  cov %s  (exit %s) reproducer: %s  log: %s\n' \
      "$name" "$elapsed" "${execs:-?}" "${cov:-?}" "$status" "${artifact:-none}" "$log"
    echo "---- last lines of $log ----"
    grep -vE '^#[0-9]+|^INFO:|^\s+NEW_FUNC' "$log" | tail -60
    echo "---- reproduce: $binary ${artifact:-<input>}"
  fi
done
exit "$failed"
