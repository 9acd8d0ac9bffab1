#!/bin/bash
# bench/run.sh — runs every bench/bench_*.sh in turn (called by `make bench`,
# which sets BIN and PYTHON).  Each benchmark prints its own figures; copy
# them with the machine line below into BENCHMARKS.md.
#
#   bench/run.sh [PATTERN]   only benchmarks whose name contains PATTERN
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${BIN:=$here/../bin}" "${PYTHON:=/usr/bin/python3}"
export BIN PYTHON BENCH="$here" ROOT="$(cd "$here/.." && pwd)"
# OPENBLAS_* stay as the machine sets them: a benchmark never pins a kernel.
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE-(unset)}, $(date -u +%Y-%m-%d)"
status=0
for b in "$here"/bench_*.sh; do
	[ -f "$b" ] || continue
	[ -n "${1:-}" ] && [[ $(basename "$b") != *"$1"* ]] && continue
	echo "== $(basename "$b" .sh)"
	bash "$b" || { echo "$(basename "$b"): failed" >&2; status=1; }
done
exit $status
