#!/usr/bin/env python3
"""Prints alerts (NDJSON) one per line: severity, time, rule, scalar fields."""
import json
import sys

path, limit = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 15
with open(path) as alerts:
    for number, line in enumerate(alerts):
        if number >= limit:
            break
        alert = json.loads(line)
        fields = {k: v for k, v in (alert["fields"] or {}).items() if not isinstance(v, (dict, list))}
        print(f'{alert["severity"]:8} {alert["eventTime"]}  {alert["rule"]:40} {json.dumps(fields)[:110]}')
