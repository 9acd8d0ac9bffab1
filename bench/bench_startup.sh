# bench_startup.sh — dcue-train's start-up with a million playlists: a
# one-step run (400 tracks, E = C = 64, H 300, --threads 2, no outputs),
# wall and CPU time (user + system), medians of ROUNDS.  With BASE=DIR
# (another build's bin/), its dcue-train runs alternately with this one
# and the ratios are printed.
# env: BIN, PYTHON, ROOT; ROUNDS (3), PLAYLISTS (1000000), BASE (none),
#      DATA (a folder gen.py made, reused; made in a scratch folder otherwise).
set -eu
: "${ROUNDS:=3}" "${PLAYLISTS:=1000000}" "${BASE:=}" "${DATA:=}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-startup.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
if [ -z "$DATA" ]; then
	DATA=$tmp/data
	"$PYTHON" "$ROOT/tests/fixtures/dcue/gen.py" "$DATA" --tracks 400 --playlists "$PLAYLISTS" \
		--mel-bins 128 --frames 300 --length 20 --genres 8 >/dev/null
fi
model="--embedding-size 64 --channels 64 --batch-size 16 --threads 2 --quiet --valid-samples 0"
run() {   # dcue-train → "wall cpu" seconds
	/usr/bin/time -f '%e %U %S' -o "$tmp/t" "$1" train --mpd "$DATA/mpd" --mels "$DATA/mels" \
		$model --epochs 1 --steps-per-epoch 1 >/dev/null
	awk '{ print $1, $2 + $3 }' "$tmp/t"
}
for _ in $(seq "$ROUNDS"); do
	run "$BIN/dcue-train" >>"$tmp/new"
	[ -z "$BASE" ] || run "$BASE/dcue-train" >>"$tmp/base"
done
nw=$(cut -d' ' -f1 "$tmp/new" | median); nc=$(cut -d' ' -f2 "$tmp/new" | median)
echo "start-up + 1 step, $PLAYLISTS playlists: wall $nw s, CPU $nc s (medians of $ROUNDS; runs: $(tr '\n' ';' <"$tmp/new"))"
if [ -n "$BASE" ]; then
	bw=$(cut -d' ' -f1 "$tmp/base" | median); bc=$(cut -d' ' -f2 "$tmp/base" | median)
	echo "base ($BASE): wall $bw s, CPU $bc s (runs: $(tr '\n' ';' <"$tmp/base"))"
	echo "this build / base: wall $(ratio "$nw" "$bw"), CPU $(ratio "$nc" "$bc")"
fi
