#!/bin/bash
# example_train_pair.sh — two trainings of the embedded example compared:
# pipeline.mk's training command (its example options) run with binary A
# and options A, and with binary B and options B, ROUNDS times, each run
# followed by the same binary's `dcue-train eval` of its model.  Each round
# starts A and B side by side (the order of the starts alternating), so both
# see the same load on a shared machine.  Prints one line per run: wall and
# CPU (user + system) seconds of the training, then the eval report's AUC
# lines; everything is kept in OUT.  Not run by bench/run.sh: it needs the
# example built (make -f pipeline.mk all WORK=...) and takes minutes.
#
#   WORK=work A=bin/dcue-train B=/tmp/old/dcue-train [OPTS_A=...] [OPTS_B=...] \
#     [SEED=1] [EPOCHS=3] [ROUNDS=3] [SERIAL=1] bench/example_train_pair.sh OUT
#
# SERIAL=1 runs A then B (then B then A ...) instead of side by side.
set -eu
: "${WORK:?WORK: the pipeline folder}" "${A:?binary A}" "${B:?binary B}"
: "${OPTS_A:=}" "${OPTS_B:=}" "${SEED:=1}" "${EPOCHS:=3}" "${ROUNDS:=3}" "${SERIAL:=0}"
OUT=${1:?usage: example_train_pair.sh OUT}
# pipeline.mk's EX_TRAIN_OPTS for EXAMPLE=full, and its OPENBLAS_CORETYPE default
EX="--embedding-size 64 --channels 64 --hidden 64 --batch-size 16 --nb-negatives 10 --valid-samples 500 --log-steps 100"
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Haswell}
mkdir -p "$OUT"
echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE, $(date -u '+%Y-%m-%d %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg)"

run() {  # label round binary opts...: train then eval in OUT/label.round
	local label=$1 r=$2 bin=$3 d
	shift 3
	d=$OUT/$label.$r
	rm -rf "$d" && mkdir -p "$d"
	/usr/bin/time -f '%e %U %S' -o "$d/time" "$bin" train --mpd "$WORK/data" --mels "$WORK/mels" \
		--stats "$WORK/mel-stats.txt" --save "$d/model.ckpt" --metrics "$d/metrics.tsv" \
		--epochs "$EPOCHS" --seed "$SEED" $EX "$@" --quiet 2> "$d/train.err"
	"$bin" eval --load "$d/model.ckpt" --mpd "$WORK/data" --mels "$WORK/mels" \
		--report "$d/report.tsv" --per-playlist "$d/per-playlist.tsv" > "$d/eval.txt" 2> "$d/eval.err"
	read -r wall user sys < "$d/time"
	printf '%s round %s seed %s: train wall %.1f s, cpu %.1f s; %s\n' "$label" "$r" "$SEED" \
		"$wall" "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" \
		"$(grep -i 'auc' "$d/eval.txt" | tr -s ' ' | paste -sd ';' -)"
}

for r in $(seq "$ROUNDS"); do
	if [ "$SERIAL" = 1 ]; then
		if [ $((r % 2)) = 1 ]; then run A "$r" "$A" $OPTS_A; run B "$r" "$B" $OPTS_B
		else run B "$r" "$B" $OPTS_B; run A "$r" "$A" $OPTS_A; fi
	else
		if [ $((r % 2)) = 1 ]; then run A "$r" "$A" $OPTS_A > "$OUT/A.$r.line" & sleep 1; run B "$r" "$B" $OPTS_B > "$OUT/B.$r.line" &
		else run B "$r" "$B" $OPTS_B > "$OUT/B.$r.line" & sleep 1; run A "$r" "$A" $OPTS_A > "$OUT/A.$r.line" & fi
		wait
		cat "$OUT/A.$r.line" "$OUT/B.$r.line"
	fi
done
