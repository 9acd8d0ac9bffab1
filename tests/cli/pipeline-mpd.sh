# pipeline.mk with MPD=DIR against a fake Deezer server started here (as a
# user would point DEEZER_API at Deezer): a new slice, even one copied with
# an old mtime, reparses and fetches only the new tracks; a rerun does
# nothing; LIMIT reparses without fetching anything again; mel-stats sees only
# the current tracks; a new MEL_OPTS remakes every mel; a missing tool stops
# the stage with a message naming it.
set -eu
for t in mpd-parse deezer-fetch wav2mel; do
	if [ ! -x "$BIN/$t" ]; then
		echo "SKIP: $BIN/$t is not built yet; this pipeline test needs it"
		exit 0
	fi
done
export MAKEFLAGS=

$PYTHON "$ROOT/examples/make-example.py" -o ex --tracks 120 --playlists 40 --slice 20 \
  --seconds 3 --min-length 4 --max-length 8 --missing 0.1 --jobs 2 2> gen.log
$PYTHON "$TESTS/fake-deezer/server.py" --catalogue ex/deezer/catalogue.tsv --port-file port \
  --log server.log &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for i in $(seq 100); do [ -s port ] && break; sleep 0.1; done
api=http://127.0.0.1:$(cat port)

run() {  # target, extra arguments...
	local target=$1
	shift
	make --no-print-directory -f "$ROOT/pipeline.mk" "$target" MPD="$PWD/mpd" WORK="$PWD/w" \
	  BIN="$BIN" BUILD_TOOLS=no DEEZER_API="$api" RATE=1000/5 JOBS=2 "$@"
}
sum() {  # log, field pattern (e.g. "fetched"): the sum over deezer-fetch summaries
	grep -o "[0-9]* $2" "$1" | awk '{ s += $1 } END { print s + 0 }'
}
searches() { grep -c '/search' server.log || true; }
data_rows() { echo $(($(wc -l < w/data/tracks.tsv) - 1)); }

mkdir mpd
cp ex/mpd/mpd.slice.0-19.json mpd/
run fetch > run1.log 2>&1 || { cat run1.log; exit 1; }
n1=$(data_rows)
mels1=$(ls w/mels | wc -l)
fails1=$(grep -c -v '^#' w/cache/failures.tsv || true)
[ $((mels1 + fails1)) -eq "$n1" ] || { echo "$mels1 mels + $fails1 failures != $n1 tracks"; exit 1; }
[ "$(sum run1.log fetched)" -eq "$mels1" ]
s1=$(searches)

# a second slice with an old mtime: reparse, fetch only its new tracks
cp ex/mpd/mpd.slice.20-39.json mpd/
touch -d '2001-01-01' mpd/mpd.slice.20-39.json
run fetch > run2.log 2>&1 || { cat run2.log; exit 1; }
grep -q 'mpd-parse' run2.log
n2=$(data_rows)
[ "$n2" -gt "$n1" ]
[ "$(sum run2.log 'skipped (.mel exists)')" -eq "$mels1" ]
[ "$(sum run2.log 'skipped (listed failure)')" -eq "$fails1" ]
mels2=$(ls w/mels | wc -l)
[ "$(sum run2.log fetched)" -eq $((mels2 - mels1)) ]
# searches for the new tracks only (a miss may cost a second, plain query)
new=$((n2 - n1))
s2=$(searches)
[ $((s2 - s1)) -ge "$new" ] && [ $((s2 - s1)) -le $((2 * new)) ] || { echo "searches $s1 -> $s2 for $new new tracks"; exit 1; }

run fetch > run3.log 2>&1
! grep -q -E 'mpd-parse|deezer-fetch' run3.log || exit 1
[ "$(searches)" -eq "$s2" ]

# LIMIT reparses; every remaining track is done or failed: no search
run fetch LIMIT=20 > run4.log 2>&1 || { cat run4.log; exit 1; }
grep -q 'mpd-parse.*--limit 20' run4.log
[ "$(data_rows)" -eq "$n1" ]
[ "$(searches)" -eq "$s2" ]
[ "$(sum run4.log fetched)" -eq 0 ]

# mel-stats counts only this dataset's tracks (LIMIT left the others' mels in the folder)
run stats LIMIT=20 > run5.log 2>&1 || { cat run5.log; exit 1; }
want=$(tail -n +2 w/data/tracks.tsv | cut -f 1 |
  while read -r id; do if [ -e "w/mels/$id.mel" ]; then echo "$id"; fi; done | wc -l)
[ "$(ls w/mels/*.mel | wc -l)" -gt "$want" ]
grep -qx "files $want" w/mel-stats.txt

# another MEL_OPTS remakes every mel with it, never mixing two kinds in the folder
run fetch LIMIT=20 MEL_OPTS='-e f32' > run6.log 2>&1 || { cat run6.log; exit 1; }
grep -q 'mel settings changed' run6.log
[ "$(ls w/mels/*.mel | wc -l)" -eq "$want" ]
for f in w/mels/*.mel; do "$BIN/mel-stats" info "$f" | grep -qx 'encoding: f32'; done

# a tool that is not there: the stage names it
mkdir nobin
! make --no-print-directory -f "$ROOT/pipeline.mk" stats MPD="$PWD/mpd" WORK="$PWD/w" \
  BIN="$PWD/nobin" BUILD_TOOLS=no > missing.log 2>&1 || exit 1
grep -q "needs $PWD/nobin/mpd-parse" missing.log
# an MPD folder without slices
mkdir empty
! make --no-print-directory -f "$ROOT/pipeline.mk" parse MPD="$PWD/empty" WORK="$PWD/w" > empty.log 2>&1 || exit 1
grep -q 'no \*.json or \*.json.gz slices' empty.log
echo ok
