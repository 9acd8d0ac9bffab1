# bench_pipeline.sh — the embedded example's costs: generating previews with
# one ffmpeg process per file (the baseline) against one per batch of 24
# files, alternating, medians of 3; then dcue-plot per plot kind, and the
# tiny pipeline end to end (the tests' variant).  Env: BIN, PYTHON, ROOT.
set -eu
: "${BIN:=$ROOT/bin}" "${PYTHON:=/usr/bin/python3}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-pipeline.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
secs() {  # command...: wall seconds
	local t0 t1
	t0=$(date +%s.%N)
	"$@" > /dev/null 2>&1
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}

N=48
gen() {  # batch size
	rm -rf "$tmp/ex"
	"$PYTHON" "$ROOT/examples/make-example.py" -o "$tmp/ex" --tracks $N --playlists 40 \
	  --seconds 30 --missing 0 --jobs 1 --batch "$1"
}
: > "$tmp/one" && : > "$tmp/batch"
for r in 1 2 3; do
	secs gen 1 >> "$tmp/one"
	secs gen 24 >> "$tmp/batch"
done
one=$(median < "$tmp/one")
batch=$(median < "$tmp/batch")
echo "example generation, $N previews of 30 s, 1 process: one ffmpeg per file ${one} s," \
     "one per 24 files ${batch} s; ratio $(awk -v a="$one" -v b="$batch" 'BEGIN { printf "%.2f", a / b }')x" \
     "($(awk -v a="$batch" -v n=$N 'BEGIN { printf "%.0f", 1000 * a / n }') ms per preview batched)"

if [ -x "$BIN/dcue-plot" ]; then
	F=$ROOT/tests/fixtures/plot
	"$BIN/wav2mel" "$(ls "$tmp"/ex/deezer/previews/*.mp3 | head -1)" "$tmp/one.mel" 2>/dev/null || true
	for kind in curves eval hist stats mel; do
		case $kind in
		curves) in="$F/metrics.tsv" ;;
		eval) in="$F/report.tsv $F/per-playlist.tsv" ;;
		hist) in="$F/mel-hist.tsv $F/mel-stats.txt" ;;
		stats) in="$F/mpd-hist.tsv $F/mpd-stats.txt" ;;
		mel) [ -s "$tmp/one.mel" ] || continue; in="$tmp/one.mel" ;;
		esac
		: > "$tmp/t"
		for r in 1 2 3; do secs "$BIN/dcue-plot" $kind -o "$tmp/p.png" $in >> "$tmp/t"; done
		echo "dcue-plot $kind (png): $(median < "$tmp/t") s"
	done
fi

if [ -x "$BIN/dcue-train" ] && [ -x "$BIN/deezer-fetch" ] && [ -x "$BIN/mpd-parse" ]; then
	t=$(secs make -f "$ROOT/pipeline.mk" all EXAMPLE=tiny WORK="$tmp/w" BIN="$BIN" BUILD_TOOLS=no)
	t2=$(secs make -f "$ROOT/pipeline.mk" all EXAMPLE=tiny WORK="$tmp/w" BIN="$BIN" BUILD_TOOLS=no)
	echo "pipeline, tiny example: first run $t s, second (nothing to do) $t2 s"
fi
