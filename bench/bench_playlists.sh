# bench_playlists.sh — a step's cost against the number of playlists: the
# same 400 tracks, batch 16, E = C = 64, 2 replicas, trained with 4,000,
# 400,000 and (SIZES) 1,000,000 playlists, alternating the sizes round
# after round; medians of samples/s and their ratio to 4,000 (target:
# >= 0.9 at 400,000).  Then, at the largest size: checkpoint write and read
# speed (MB/s, each the difference of two timed runs), and the peak RSS of
# `embed --playlists` and of training.
# env: BIN, PYTHON, ROOT; ROUNDS (3), STEPS (150), SIZES ("4000 400000 1000000").
set -eu
: "${ROUNDS:=3}" "${STEPS:=150}" "${SIZES:=4000 400000 1000000}"
export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-Haswell}"
dt=$BIN/dcue-train
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-playlists.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
secs() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null; t1=$(date +%s.%N); awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }'; }
rss() { /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -1; }   # peak RSS, KiB

for P in $SIZES; do
	"$PYTHON" "$ROOT/tests/fixtures/dcue/gen.py" "$tmp/p$P" --tracks 400 --playlists "$P" \
		--mel-bins 128 --frames 300 --length 20 --genres 8 >/dev/null
done
model="--embedding-size 64 --channels 64 --batch-size 16 --threads 2 --quiet --valid-samples 0"
train() {   # playlists, extra → samples/s of one epoch of $STEPS steps
	$dt train --mpd "$tmp/p$1/mpd" --mels "$tmp/p$1/mels" $model --epochs 1 \
		--steps-per-epoch "$STEPS" --metrics "$tmp/m.tsv" "${@:2}"
	awk -F'\t' '$1 == "epoch" { v = $8 } END { print v }' "$tmp/m.tsv"
}
for _ in $(seq "$ROUNDS"); do
	for P in $SIZES; do
		train "$P" >>"$tmp/s$P"
	done
done
first=${SIZES%% *}
base=$(median <"$tmp/s$first")
for P in $SIZES; do
	s=$(median <"$tmp/s$P")
	echo "train, $P playlists: $s samples/s (median of $ROUNDS), $(ratio "$s" "$base")x the speed at $first"
done

# --- the largest size: checkpoints and memory ---
P=${SIZES##* }
io="--mpd $tmp/p$P/mpd --mels $tmp/p$P/mels"
$dt train $io $model --epochs 1 --steps-per-epoch 1 --save "$tmp/c.ckpt"
mb=$(awk -v b="$(stat -c %s "$tmp/c.ckpt")" 'BEGIN { printf "%.0f", b / 1e6 }')
: >"$tmp/w" ; : >"$tmp/r"
for _ in $(seq "$ROUNDS"); do
	a=$(secs $dt train $io $model --epochs 1 --steps-per-epoch 1)
	b=$(secs $dt train $io $model --epochs 1 --steps-per-epoch 1 --save "$tmp/w.ckpt")
	c=$(secs $dt train $io $model --epochs 0)
	d=$(secs $dt train $io $model --epochs 1 --steps-per-epoch 1 --load "$tmp/c.ckpt")
	awk -v a="$a" -v b="$b" -v m="$mb" 'BEGIN { print m / (b - a) }' >>"$tmp/w"
	awk -v a="$c" -v b="$d" -v m="$mb" 'BEGIN { print m / (b - a) }' >>"$tmp/r"
done
echo "checkpoint of $P playlists: $mb MB, written at $(median <"$tmp/w" | xargs printf '%.0f') MB/s, read (one pass: read, CRC, checks) at $(median <"$tmp/r" | xargs printf '%.0f') MB/s (medians; differences of timed runs)"
if [ -x /usr/bin/time ]; then
	echo "peak RSS, $P playlists: train $(( $(rss $dt train $io $model --epochs 1 --steps-per-epoch 20) / 1024 )) MB," \
	     "embed --playlists $(( $(rss $dt embed --load "$tmp/c.ckpt" $io --quiet --playlists "$tmp/p.emb") / 1024 )) MB"
fi
