#!/usr/bin/env bash
# make demo: the shipped rules over a generated sample; alerts on stdout.
set -euo pipefail
build_dir=${1:-build}
cli="$build_dir/cli/trailhound"
out=demo-out
mkdir -p "$out"
"$cli" gen 20000 --seed 7 --output "$out/sample.ndjson"
# Three bad lines, so the dead-letter path shows too.
printf '%s\n' '{"eventID":"broken", "eventName":' '[1,2,3]' '{"eventID":"no-name","eventSource":"s3.amazonaws.com"}' >> "$out/sample.ndjson"
"$cli" check rules/
"$cli" test rules/ | tail -n 1
"$cli" run --rules rules/ --output "$out/alerts.ndjson" --dead-letter "$out/dead-letters.ndjson" "$out/sample.ndjson"
echo "--- one alert in full ---"
head -n 1 "$out/alerts.ndjson"
echo "--- first 15 alerts of $out/alerts.ndjson (severity, time, rule, fields) ---"
scripts/show_alerts.py "$out/alerts.ndjson" 15
echo "--- alerts per rule ---"
python3 -c 'import collections,json,sys; c=collections.Counter(json.loads(l)["rule"] for l in open(sys.argv[1])); [print(f"{n:8d}  {r}") for r,n in c.most_common()]' "$out/alerts.ndjson"
echo "--- dead letters ---"
cat "$out/dead-letters.ndjson"
