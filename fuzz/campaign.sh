#!/bin/bash
# fuzz/campaign.sh SECONDS NAME... — runs build-fuzz/fuzz_NAME (built by
# `make fuzz` or `make FUZZ=1 fuzz-build`) for SECONDS each, one after the
# other, niced (nice 19), on the committed corpus, the generated binary
# seeds (build-fuzz/fuzz-seeds/, written by the same make) plus the scratch
# corpus build-fuzz/corpus/NAME; logs to build-fuzz/log/NAME.log and appends
# "NAME cpu=S execs=N cov=E exit=C wall=S" to build-fuzz/log/summary.
#
# SECONDS is CPU time (user + system of the fuzzer), not wall time, so that
# a lane sharing the machine with other work still gets its full budget:
# the fuzzer runs without a time limit and is stopped with SIGINT (libFuzzer
# then prints its final statistics) once it has used SECONDS of CPU.
# A unit counts as hung after 120 s of wall time (not 10 s as in `make fuzz`):
# a niced lane on a busy machine can wait that long for the CPU.
# CAMPAIGN_WALL=1 uses libFuzzer's wall-clock -max_total_time instead.
# Used for the campaigns recorded in BENCHMARKS.md.
set -u
cd "$(dirname "$0")/.."
secs=$1; shift
mkdir -p build-fuzz/log
hz=$(getconf CLK_TCK)

cpu_of() { # utime + stime of a process, in seconds
	awk -v hz="$hz" '{ sub(/^.*\) /, ""); printf "%d", ($12 + $13) / hz }' "/proc/$1/stat" 2>/dev/null
}

for h in "$@"; do
	mkdir -p build-fuzz/corpus/$h build-fuzz/crashes/$h
	dirs=()
	for d in fuzz/corpus/$h fuzz/regress/$h build-fuzz/fuzz-seeds/corpus/$h \
	         build-fuzz/fuzz-seeds/regress/$h; do
		[ -d "$d" ] && dirs+=("$d")
	done
	dict=(); [ -f fuzz/dict/$h.dict ] && dict=(-dict=fuzz/dict/$h.dict)
	log=build-fuzz/log/$h.log
	limit=0; [ "${CAMPAIGN_WALL:-0}" = 1 ] && limit=$secs
	start=$(date +%s)
	nice -n 19 build-fuzz/fuzz_$h -max_total_time="$limit" -malloc_limit_mb=512 \
		-rss_limit_mb=2048 -timeout=120 -print_final_stats=1 \
		-artifact_prefix=build-fuzz/crashes/$h/ "${dict[@]}" \
		build-fuzz/corpus/$h "${dirs[@]}" >"$log" 2>&1 &
	pid=$!
	cpu=0 stopped=0
	while kill -0 "$pid" 2>/dev/null; do
		c=$(cpu_of "$pid"); [ -n "$c" ] && cpu=$c
		if [ "${CAMPAIGN_WALL:-0}" != 1 ] && [ "$cpu" -ge "$secs" ]; then
			kill -INT "$pid"
			stopped=1
			break
		fi
		sleep 2
	done
	wait "$pid"
	rc=$?
	# stopped on budget: libFuzzer exits -interrupted_exitcode (72) on SIGINT
	[ "$stopped" = 1 ] && [ "$rc" = 72 ] && rc=0
	execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{print $2}')
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | awk '{print $2}')
	echo "$h cpu=${cpu:-?} execs=${execs:-?} cov=${cov:-?} exit=$rc wall=$(( $(date +%s) - start ))" \
		| tee -a build-fuzz/log/summary
done
