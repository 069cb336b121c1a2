#!/usr/bin/env bash
# Fails unless `trailhound check RULES` is clean: exit status 0 and not a
# single warning or error.
# usage: check_clean.sh TRAILHOUND_BINARY RULES_PATH
set -u
if [ $# -ne 2 ]; then
  echo "usage: $0 TRAILHOUND_BINARY RULES_PATH" >&2
  exit 2
fi
binary=$1
rules=$2
output=$("$binary" check "$rules" 2>&1)
status=$?
printf '%s\n' "$output"
if [ "$status" -ne 0 ]; then
  echo "check_clean: trailhound check exited with $status" >&2
  exit 1
fi
if printf '%s\n' "$output" | grep -Eq ': (warning|error) TH[0-9]+'; then
  echo "check_clean: trailhound check reported diagnostics; the shipped rules must be clean" >&2
  exit 1
fi
if ! printf '%s\n' "$output" | grep -Eq ' 0 errors, 0 warnings$'; then
  echo "check_clean: no clean summary line from trailhound check" >&2
  exit 1
fi
exit 0
