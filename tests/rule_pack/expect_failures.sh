#!/usr/bin/env bash
# `trailhound test` must catch broken rule tests: runs it over
# fixtures/broken (a wrong expectation, a rule without a near miss, malformed
# records, a rule without tests, an orphan test file, a stateful rule's stream
# with wrong, unexpected and late records beside one that passes) and compares its output
# with fixtures/broken.expected; the exit status must be 1. Then over
# fixtures/missing_list, whose list file is missing: exit 1 with TH1008.
# usage: expect_failures.sh TRAILHOUND_BINARY
# To accept a deliberate output change: run `trailhound test broken > broken.expected` in fixtures/.
set -u
if [ $# -ne 1 ]; then
  echo "usage: $0 TRAILHOUND_BINARY" >&2
  exit 2
fi
binary=$1
cd "$(dirname "$0")/fixtures" || exit 2
actual=$("$binary" test broken 2>&1)
status=$?
if [ "$status" -ne 1 ]; then
  printf '%s\n' "$actual"
  echo "expect_failures: trailhound test exited with $status, expected 1" >&2
  exit 1
fi
if ! diff -u broken.expected <(printf '%s\n' "$actual"); then
  echo "expect_failures: output differs from fixtures/broken.expected" >&2
  exit 1
fi
actual=$("$binary" test missing_list 2>&1)
status=$?
if [ "$status" -ne 1 ] || ! printf '%s\n' "$actual" | grep -q 'error TH1008'; then
  printf '%s\n' "$actual"
  echo "expect_failures: a missing list file must stop trailhound test with TH1008 and exit 1 (got $status)" >&2
  exit 1
fi
exit 0
