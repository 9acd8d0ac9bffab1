#!/usr/bin/env python3
"""Reads the fake server's request log and prints counts as `key value` lines.

    logstats.py LOG [--window SECONDS] [--kind api|search|preview|all]

Keys: requests (of that kind), max_window (the most requests in any window of SECONDS,
sliding: every window that starts at a request), span (seconds from first to last),
rate (requests / span), and per_id_max (the most requests naming one preview or query).
"""
import argparse
import collections

ap = argparse.ArgumentParser()
ap.add_argument("log")
ap.add_argument("--window", type=float, default=5.0)
ap.add_argument("--kind", default="api")
a = ap.parse_args()
times, targets = [], collections.Counter()
with open(a.log, encoding="utf-8") as f:
    for line in f:
        cols = line.rstrip("\n").split("\t")
        if len(cols) < 5:
            continue
        kind = cols[1]
        if a.kind == "api" and kind not in ("search", "track"):
            continue
        if a.kind not in ("api", "all") and kind != a.kind:
            continue
        times.append(float(cols[0]))
        targets[cols[2].split("?")[0] if kind == "preview" else cols[2]] += 1
times.sort()
best, j = 0, 0
for i, x in enumerate(times):
    while times[j] <= x - a.window:
        j += 1
    best = max(best, i - j + 1)
span = times[-1] - times[0] if len(times) > 1 else 0.0
print("requests", len(times))
print("max_window", best)
print("span %.3f" % span)
print("rate %.3f" % (len(times) / span if span > 0 else 0.0))
print("per_id_max", max(targets.values()) if targets else 0)
