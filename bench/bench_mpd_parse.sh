# bench_mpd_parse.sh — mpd-parse throughput and peak RSS against Python's
# json.load on the same generated slice, alternating runs in one invocation.
#
#   ROUNDS=9 bash bench/bench_mpd_parse.sh
#
# (1) one generated 30 MB slice: wall time of `python3 -c json.load(...)`
#     (the whole process, as a user would run it), of mpd-parse -j 1 and of
#     mpd-parse -j 2 (parse and write tracks.tsv + playlists.bin); medians,
#     MB/s of JSON, ratios to Python.
# (2) ten slices (~310 MB of JSON): mpd-parse wall time and peak RSS.
set -eu
: "${BIN:?}" "${PYTHON:=/usr/bin/python3}" "${ROOT:?}"
ROUNDS=${ROUNDS:-9}
work=${BENCH_WORK:-/tmp/dcue-bench-mpd}
mkdir -p "$work"
[ -x /usr/bin/time ] || { echo "bench_mpd_parse: /usr/bin/time is missing (apt-get install time)"; exit 1; }

gen() {   # dir slices
	if [ ! -f "$1/.done-$2" ]; then
		rm -rf "$1"
		$PYTHON "$ROOT/bench/mpd_gen.py" --out "$1" --slices "$2" --seed 7
		touch "$1/.done-$2"
	fi
}
gen "$work/one" 1
gen "$work/ten" 10
one=$(ls "$work"/one/*.json)
mb=$(stat -c %s "$one" | awk '{ printf "%.1f", $1 / 1e6 }')

# wall seconds and peak RSS (KB) of a command
measure() { /usr/bin/time -f '%e %M' "$@" 2>&1 >/dev/null | tail -n 1; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

: > "$work/py" ; : > "$work/j1" ; : > "$work/j2"
for r in $(seq "$ROUNDS"); do
	measure $PYTHON -c 'import json, sys; json.load(open(sys.argv[1]))' "$one" >> "$work/py"
	measure "$BIN/mpd-parse" -q -j 1 -o "$work/out1" "$work/one" >> "$work/j1"
	measure "$BIN/mpd-parse" -q -j 2 -o "$work/out2" "$work/one" >> "$work/j2"
done
cmp "$work/out1/tracks.tsv" "$work/out2/tracks.tsv"
py=$(cut -d' ' -f1 "$work/py" | median)
j1=$(cut -d' ' -f1 "$work/j1" | median)
j2=$(cut -d' ' -f1 "$work/j2" | median)
rss_py=$(cut -d' ' -f2 "$work/py" | median)
rss_j2=$(cut -d' ' -f2 "$work/j2" | median)
echo "one slice: $mb MB of JSON, $ROUNDS alternating rounds, medians"
awk -v mb="$mb" -v py="$py" -v j1="$j1" -v j2="$j2" -v rp="$rss_py" -v rj="$rss_j2" 'BEGIN {
	printf "  python3 json.load        %6.3f s  %6.0f MB/s  peak RSS %4.0f MB\n", py, mb / py, rp / 1024
	printf "  mpd-parse -j 1           %6.3f s  %6.0f MB/s  %.2fx python\n", j1, mb / j1, py / j1
	printf "  mpd-parse -j 2           %6.3f s  %6.0f MB/s  %.2fx python  peak RSS %.0f MB\n", j2, mb / j2, py / j2, rj / 1024
}'

total=$(cat "$work"/ten/*.json | wc -c | awk '{ printf "%.0f", $1 / 1e6 }')
: > "$work/ten.t"
for r in 1 2 3; do measure "$BIN/mpd-parse" -q -o "$work/outten" "$work/ten" >> "$work/ten.t"; done
t=$(cut -d' ' -f1 "$work/ten.t" | median)
rss=$(cut -d' ' -f2 "$work/ten.t" | median)
tracks=$(grep -vc '^#' "$work/outten/tracks.tsv")
awk -v mb="$total" -v t="$t" -v rss="$rss" -v n="$tracks" 'BEGIN {
	printf "ten slices: %d MB of JSON, %d unique tracks: %.2f s (%.0f MB/s), peak RSS %.0f MB (%.1f%% of the JSON)\n",
	       mb, n, t, mb / t, rss / 1024, 100 * rss / 1024 / mb
}'
