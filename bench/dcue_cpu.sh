#!/bin/bash
# dcue_cpu.sh — CPU seconds (user + sys, /usr/bin/time) per training sample or step with
# one thread, a measure that survives a loaded machine better than wall time; the
# difference of two run lengths removes start-up and loading.  Alternating, medians.
#
#   dcue_cpu.sh torch DATA ROUNDS B [dcue-train options]
#       dcue-train ($BIN) vs PyTorch (bench/dcue_torch.py) with tuned glibc malloc and
#       with jemalloc: CPU s/sample, runs of 11 and 3 steps
#   dcue_cpu.sh ab DATA ROUNDS B OLD NEW [dcue-train options]
#       two dcue-train binaries: CPU s/step, runs of 16 and 4 steps
#   dcue_cpu.sh embed - ROUNDS 64 [FWD]
#       the forward pass over batches of 64 crops (bench/dcue_fwd, built here from
#       build/; or the FWD binary) vs PyTorch's (dcue_torch.py embed), tuned glibc
#       malloc and jemalloc: CPU ms/crop, runs of 35 and 5 passes
# DATA: a folder made by tests/fixtures/dcue/gen.py (mpd/, mels/).  env: BIN, PYTHON, ROOT.
set -eu
mode=$1 data=$2 rounds=$3 B=$4; shift 4
: "${BIN:=$(dirname "$0")/../bin}" "${PYTHON:=/usr/bin/python3}" "${ROOT:=$(dirname "$0")/..}"
T=$(mktemp "${TMPDIR:-/tmp}/dcue-cpu.XXXXXX")
trap 'rm -f "$T" "$T.t"' EXIT
ut() { /usr/bin/time -f '%U %S' -o "$T.t" "$@" >/dev/null 2>&1; awk '{ print $1 + $2 }' "$T.t"; }
dc() {  # binary steps options...
	ut "$1" train --mpd "$data/mpd" --mels "$data/mels" --threads 1 --quiet --valid-samples 0 \
		--batch-size "$B" --epochs 1 --steps-per-epoch "$2" "${@:3}"
}
tt() {  # malloc steps
	local env=(MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=4294967296 MALLOC_TOP_PAD_=268435456)
	[ "$1" = jem ] && env=(LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2)
	ut env "${env[@]}" "$PYTHON" -W ignore "$ROOT/bench/dcue_torch.py" train --batch "$B" \
		--threads 1 --steps "$2"
}
per() { awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN { printf "%.5f", (b - a) / n }'; }
med() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
: >"$T"
if [ "$mode" = embed ]; then
	fwd=${1:-$T.fwd}
	if [ $# -eq 0 ]; then
		trap 'rm -f "$T" "$T.t" "$T.fwd"' EXIT
		cc -O2 -I"$ROOT/common" -I"$ROOT/tools/dcue-train" $(pkg-config --cflags openblas) \
			"$ROOT/bench/dcue_fwd.c" "$ROOT/build/tools/dcue-train/lib.a" "$ROOT/build/libdcue.a" \
			$(pkg-config --libs openblas zlib) -ldnnl -lgomp -lm -lpthread -o "$fwd"
	fi
	te() {  # malloc passes
		local env=(MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=4294967296 MALLOC_TOP_PAD_=268435456)
		[ "$1" = jem ] && env=(LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2)
		ut env "${env[@]}" "$PYTHON" -W ignore "$ROOT/bench/dcue_torch.py" embed --batch "$B" \
			--threads 1 --steps "$2"
	}
	k=$(awk -v b="$B" 'BEGIN { print 30 * b / 1000 }')   # per crop, in ms
	for _ in $(seq "$rounds"); do
		echo "$(per "$(ut "$fwd" 1 "$B" 5 fwd)" "$(ut "$fwd" 1 "$B" 35 fwd)" "$k") \
$(per "$(te tun 5)" "$(te tun 35)" "$k") $(per "$(te jem 5)" "$(te jem 35)" "$k")" >>"$T"
	done
	d=$(cut -d' ' -f1 "$T" | med); t=$(cut -d' ' -f2 "$T" | med); j=$(cut -d' ' -f3 "$T" | med)
	echo "CPU ms/crop, 1 thread, forward at batch $B: dcue-train $d, PyTorch tuned malloc $t, jemalloc $j;" \
		"best PyTorch / dcue-train $(awk -v d="$d" -v t="$t" -v j="$j" 'BEGIN { b = t < j ? t : j; printf "%.2f", b / d }')"
elif [ "$mode" = torch ]; then
	for _ in $(seq "$rounds"); do
		echo "$(per "$(dc "$BIN/dcue-train" 3 "$@")" "$(dc "$BIN/dcue-train" 11 "$@")" $((8 * B))) \
$(per "$(tt tun 3)" "$(tt tun 11)" $((8 * B))) $(per "$(tt jem 3)" "$(tt jem 11)" $((8 * B)))" >>"$T"
	done
	d=$(cut -d' ' -f1 "$T" | med); t=$(cut -d' ' -f2 "$T" | med); j=$(cut -d' ' -f3 "$T" | med)
	echo "CPU s/sample, 1 thread, B=$B $*: dcue-train $d, PyTorch tuned malloc $t, jemalloc $j;" \
		"best PyTorch / dcue-train $(awk -v d="$d" -v t="$t" -v j="$j" 'BEGIN { b = t < j ? t : j; printf "%.2f", b / d }')"
else
	old=$1 new=$2; shift 2
	for _ in $(seq "$rounds"); do
		echo "$(per "$(dc "$old" 4 "$@")" "$(dc "$old" 16 "$@")" 12) $(per "$(dc "$new" 4 "$@")" "$(dc "$new" 16 "$@")" 12)" >>"$T"
	done
	echo "CPU s/step, 1 thread, B=$B $*: old $(cut -d' ' -f1 "$T" | med), new $(cut -d' ' -f2 "$T" | med)," \
		"old/new $(awk '{ print $1 / $2 }' "$T" | med)"
fi
