#!/bin/bash
# fuzz/campaign.sh SECONDS NAME... — runs build-fuzz/fuzz_NAME (built by
# `make fuzz` or `make FUZZ=1 fuzz-build`) for SECONDS of wall time each,
# one after the other, niced, on the committed corpus plus the scratch
# corpus build-fuzz/corpus/NAME; logs to build-fuzz/log/NAME.log and
# appends "NAME cpu_seconds execs cov_edges exit" to build-fuzz/log/summary.
# Used for the campaigns recorded in BENCHMARKS.md.
set -u
cd "$(dirname "$0")/.."
secs=$1; shift
mkdir -p build-fuzz/log
for h in "$@"; do
	mkdir -p build-fuzz/corpus/$h build-fuzz/crashes/$h fuzz/regress/$h
	dict=(); [ -f fuzz/dict/$h.dict ] && dict=(-dict=fuzz/dict/$h.dict)
	log=build-fuzz/log/$h.log
	t0=$(awk '{print $14 + $15}' /proc/self/stat)
	start=$(date +%s)
	/usr/bin/time -f "cpu %U %S" -o build-fuzz/log/$h.time \
	nice -n 10 build-fuzz/fuzz_$h -max_total_time="$secs" -malloc_limit_mb=512 \
		-rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
		-artifact_prefix=build-fuzz/crashes/$h/ "${dict[@]}" \
		build-fuzz/corpus/$h fuzz/corpus/$h fuzz/regress/$h >"$log" 2>&1
	rc=$?
	cpu=$(awk '/^cpu/ { printf "%.0f", $2 + $3 }' build-fuzz/log/$h.time)
	execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{print $2}')
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | awk '{print $2}')
	echo "$h cpu=${cpu:-?} execs=${execs:-?} cov=${cov:-?} exit=$rc wall=$(( $(date +%s) - start ))" \
		| tee -a build-fuzz/log/summary
done
