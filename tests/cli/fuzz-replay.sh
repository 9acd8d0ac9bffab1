# Every fuzz harness (fuzz/fuzz_*.c, built with fuzz/replay.c's main) over
# its seed corpus and its regression inputs: none may crash, abort, leak
# (under SAN=1) or exit.  The inputs in fuzz/regress/ are the crashes and
# hangs the fuzz campaigns found (docs/fuzzing.md).  The binary seeds and
# regression inputs are not committed: `make` writes them with fuzz/seeds.c
# into BUILD/fuzz-seeds/{corpus,regress}/NAME (BUILD is $UNIT's parent).
set -eu
source "$TESTS/lib.sh"
names=$(cd "$ROOT/fuzz" && ls fuzz_*.c | sed 's/^fuzz_//; s/\.c$//')
[ -n "$names" ]
build=$(dirname "$UNIT")
gen=$build/fuzz-seeds
seeds=$build/fuzz/seeds

# every file the generator writes is there, and not empty
[ -x "$seeds" ] || { echo "no $seeds: build it with make"; exit 1; }
list=$("$seeds" --list)
[ -n "$list" ]
for f in $list; do
	[ -s "$gen/$f" ] || { echo "$gen/$f is missing or empty (rm -r $gen; make)"; exit 1; }
done

total=0
for h in $names; do
	bin=$UNIT/fuzz_$h
	[ -x "$bin" ] || { echo "no $bin: build it with make"; exit 1; }
	dirs=()
	for d in "$ROOT/fuzz/corpus/$h" "$gen/corpus/$h"; do
		[ -d "$d" ] && dirs+=("$d")
	done
	[ ${#dirs[@]} -gt 0 ] || { echo "fuzz_$h has no seed corpus"; exit 1; }
	for d in "$ROOT/fuzz/regress/$h" "$gen/regress/$h"; do
		[ -d "$d" ] && dirs+=("$d")
	done
	out=$("$bin" "${dirs[@]}") || { echo "fuzz_$h failed: $out"; exit 1; }
	n=${out% inputs}
	[ "$n" -gt 0 ] || { echo "fuzz_$h: no inputs replayed"; exit 1; }
	total=$((total + n))
done
echo "$total inputs replayed"

# the driver itself: a missing input is an error
! "$UNIT/fuzz_mel" nowhere/at/all > out.txt || exit 1
grep -q 'nowhere/at/all' out.txt

# the generated inputs are what their names say: valid seeds pass the
# readers, each regression input is refused by the check it was made for
for f in "$gen"/corpus/mel/*.mel; do
	"$BIN/mel-stats" info "$f" > info.txt
	grep -q '^non_finite: 0$' info.txt
done
"$BIN/mel-stats" info "$gen/corpus/mel/f32-4x7.mel" | grep -q '^encoding: f32$'
"$BIN/mel-stats" info "$gen/corpus/mel/u8-8x44.mel" | grep -q '^frames: 44$'
# playlists.bin: mpd-fixture.bin is what mpd-parse makes of tests/fixtures/mpd
"$BIN/mpd-parse" dump "$gen/corpus/playlists/mpd-fixture.bin" > dump.txt
diff dump.txt "$ROOT/tests/fixtures/mpd/expected/playlists.txt"
"$BIN/mpd-parse" dump "$gen/corpus/playlists/four.bin" > dump.txt
[ "$(cut -f1 dump.txt | tr '\n' ' ')" = '7 10 13 16 ' ]
[ "$(wc -w < dump.txt)" -eq 11 ]       # 4 pids, 7 tracks
"$BIN/mpd-parse" dump "$gen/corpus/playlists/small.bin" > dump.txt
[ "$(wc -l < dump.txt)" -eq 2 ]
# embeddings: tracks.emb covers the 7 tracks of tests/fixtures/mpd;
# playlists.emb is read whole, then refused as the wrong kind
"$BIN/mpd-parse" -o mpd "$ROOT"/tests/fixtures/mpd/mpd.slice.*.json 2> /dev/null
"$BIN/dcue-train" similar --mpd mpd --embeddings "$gen/corpus/embfile/tracks.emb" --quiet \
	--track 0UaMYEvWZi0ZqiDOoHU3YI -k 10 > similar.txt
[ "$(grep -vc '^#' similar.txt)" -eq 6 ]
fails 1 'playlists.emb: playlist embeddings, not track embeddings' \
	"$BIN/dcue-train" similar --mpd mpd --embeddings "$gen/corpus/embfile/playlists.emb" \
	--track 0UaMYEvWZi0ZqiDOoHU3YI
fails 1 'invalid value range \[-3e+38, 3e+38\]' \
	"$BIN/mel-stats" info "$gen/regress/mel/range-overflow.mel"
mkdir -p empty
fails 1 'absurd-config.ckpt: 400 parameters stored, the configuration needs' \
	"$BIN/dcue-train" eval --load "$gen/regress/checkpoint/absurd-config.ckpt" \
	--mpd empty --mels empty
fails 1 'bad-header-crc.ckpt: header checksum mismatch' \
	"$BIN/dcue-plot" curves -t dumb -o out.txt "$gen/regress/plot_inputs/bad-header-crc.ckpt"
# the tiny checkpoint loads (and fails only on the missing data after it)
fails 1 'empty/tracks.tsv' \
	"$BIN/dcue-train" eval --load "$gen/corpus/checkpoint/tiny.ckpt" --mpd empty --mels empty
