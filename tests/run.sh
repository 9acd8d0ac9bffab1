#!/bin/bash
# tests/run.sh — runs every unit test (build/tests/test_*) and every
# command-line test (tests/cli/*.sh), each in its own scratch folder, and
# ends with "N passed, N failed".  Called by `make test`, which sets BIN
# (the tools), UNIT (the unit-test binaries) and PYTHON.
#
#   tests/run.sh [PATTERN]    only tests whose name contains PATTERN
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${BIN:=$here/../bin}" "${UNIT:=$here/../build/tests}" "${PYTHON:=/usr/bin/python3}" "${SAN:=}"
export BIN UNIT PYTHON SAN TESTS="$here" ROOT="$(cd "$here/.." && pwd)"
export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-Haswell}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
pattern=${1:-}

pass=0 fail=0 failed=()
scratch=$(mktemp -d "${TMPDIR:-/tmp}/dcue-tests.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

run_one() {                 # name, command...
	local name=$1; shift
	[ -n "$pattern" ] && [[ $name != *"$pattern"* ]] && return
	local dir="$scratch/$name" start end rc
	mkdir -p "$dir"
	start=$(date +%s.%N)
	( cd "$dir" && TMPDIR="$dir" "$@" ) >"$dir.log" 2>&1 </dev/null
	rc=$?
	end=$(date +%s.%N)
	local secs; secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
	if [ $rc -eq 0 ]; then
		pass=$((pass + 1))
		printf 'PASS  %-40s %6ss\n' "$name" "$secs"
	else
		fail=$((fail + 1))
		failed+=("$name")
		printf 'FAIL  %-40s %6ss (exit %d)\n' "$name" "$secs" "$rc"
		sed 's/^/    | /' "$dir.log" | tail -n 40
	fi
}

for t in "$UNIT"/test_*; do
	[ -x "$t" ] || continue
	run_one "unit/$(basename "$t")" "$t"
done
for t in "$here"/cli/*.sh; do
	[ -f "$t" ] || continue
	run_one "cli/$(basename "$t" .sh)" bash "$t"
done

[ ${#failed[@]} -gt 0 ] && printf 'failed: %s\n' "${failed[*]}"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
