# mpd-parse: golden outputs, order independence, gzip, --limit, --min-count,
# stats, and every bad-input case (clear message, exit 1, OUTDIR untouched).
set -eu
fx=$TESTS/fixtures/mpd
exp=$fx/expected
mp=$BIN/mpd-parse

# --- usage -------------------------------------------------------------------
$mp --help | grep -q '^usage: mpd-parse'
$mp --version | grep -q 'mpd-parse (dcue)'
set +e
$mp --bogus 2>err; [ $? -eq 2 ] || { echo "bad option must exit 2"; exit 1; }
$mp -o out 2>err; [ $? -eq 2 ] || { echo "no input must exit 2"; exit 1; }
$mp $fx 2>err; [ $? -eq 2 ] || { echo "no -o must exit 2"; exit 1; }
$mp --limit abc -o out $fx 2>err; [ $? -eq 2 ] || { echo "bad --limit must exit 2"; exit 1; }
set -e
grep -q -- '--limit' err

# --- golden outputs ------------------------------------------------------------
$mp -q -o out $fx
diff -u $exp/tracks.tsv out/tracks.tsv
$mp dump out/playlists.bin > pl.txt
diff -u $exp/playlists.txt pl.txt
# every line is one record of 7 fields (tabs/newlines in names were replaced)
awk -F'\t' 'NR > 1 && NF != 7 { print "line " NR ": " NF " fields"; bad = 1 } END { exit bad }' out/tracks.tsv

# --- order independence and gzip -------------------------------------------------
$mp -q -o rev $fx/mpd.slice.3-5.json $fx/mpd.slice.0-2.json
cmp out/tracks.tsv rev/tracks.tsv
cmp out/playlists.bin rev/playlists.bin
mkdir gz
gzip -c $fx/mpd.slice.0-2.json > gz/mpd.slice.0-2.json.gz
cp $fx/mpd.slice.3-5.json gz/
$mp -q -o gzout gz
cmp out/tracks.tsv gzout/tracks.tsv
cmp out/playlists.bin gzout/playlists.bin

# standard input ("-"), plain or gzip, next to files
gzip -c $fx/mpd.slice.3-5.json | $mp -q -o stdin - $fx/mpd.slice.0-2.json
cmp out/tracks.tsv stdin/tracks.tsv
cmp out/playlists.bin stdin/playlists.bin
set +e
sed '18s/,$/,,/' $fx/mpd.slice.0-2.json | $mp -q -o nothing - 2>err
rc=$?
set -e
[ $rc -eq 1 ] && [ ! -e nothing ] || exit 1
grep -q '(standard input): invalid JSON at line 18, column 30 (byte 447)' err

# --- --limit and --min-count -------------------------------------------------------
$mp -q --limit 3 -o lim $fx
$mp dump lim/playlists.bin > lim.txt
diff -u $exp/playlists.limit3.txt lim.txt
[ "$(grep -vc '^#' lim/tracks.tsv)" -eq 6 ]
$mp --min-count 2 -o min2 $fx 2>summary
diff -u $exp/tracks.min2.tsv min2/tracks.tsv
$mp dump min2/playlists.bin > min2.txt
diff -u $exp/playlists.min2.txt min2.txt
grep -q 'dropped by --min-count: 1 tracks, 1 playlists' summary

# --- stats -----------------------------------------------------------------------------
$mp stats --histograms hist.tsv $fx > stats.txt
diff -u $exp/stats.txt stats.txt
diff -u $exp/histograms.tsv hist.tsv
# from an OUTDIR: same playlists and tracks, occurrences without duplicates
$mp stats out > ostats.txt
grep -qx 'playlists: 6' ostats.txt
grep -qx 'interactions: 16' ostats.txt
grep -qx 'unique_tracks: 7' ostats.txt
grep -qx 'min_count_2_tracks: 6' ostats.txt

# --- bad input: message names the problem, exit 1, OUTDIR keeps what it held ----------
mkdir keep
echo sentinel > keep/tracks.tsv
echo sentinel > keep/playlists.bin
expect_fail() {           # description, pattern, mpd-parse arguments...
	local what=$1 pattern=$2
	shift 2
	set +e
	$mp -q -o keep "$@" 2>err
	local rc=$?
	set -e
	[ $rc -eq 1 ] || { echo "$what: exit $rc, expected 1"; cat err; exit 1; }
	grep -q -- "$pattern" err || { echo "$what: message lacks '$pattern':"; cat err; exit 1; }
	[ "$(cat keep/tracks.tsv)" = sentinel ] && [ "$(cat keep/playlists.bin)" = sentinel ] ||
		{ echo "$what: OUTDIR was modified"; exit 1; }
	[ -z "$(ls -A keep | grep -v -e '^tracks.tsv$' -e '^playlists.bin$')" ] ||
		{ echo "$what: left files behind:"; ls -A keep; exit 1; }
}
good=$fx/mpd.slice.0-2.json

head -c 3000 $good > trunc.json
expect_fail "truncated JSON" "trunc.json: truncated JSON" trunc.json

sed '18s/,$/,,/' $good > syntax.json
expect_fail "syntax error" "syntax.json: invalid JSON at line 18, column 30 (byte 447)" syntax.json

gzip -c $good | head -c 800 > truncgz.json.gz
expect_fail "truncated gzip" "truncgz.json.gz: truncated gzip stream" truncgz.json.gz

$PYTHON - $good > nopid.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); del d["playlists"][1]["num_edits"]; json.dump(d, sys.stdout)
PY
expect_fail "missing field" "nopid.json: pid 1: missing field 'num_edits'" nopid.json

$PYTHON - $good > type.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); d["playlists"][2]["tracks"][1]["duration_ms"] = "long"; json.dump(d, sys.stdout)
PY
expect_fail "wrong type" "type.json: pid 2: track 1: field 'duration_ms' must be an integer" type.json

$PYTHON - $good > uri.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); d["playlists"][0]["tracks"][2]["track_uri"] = "spotify:track:../../etc/passwd00000000"; json.dump(d, sys.stdout)
PY
expect_fail "bad track uri" "uri.json: pid 0: track 2: track_uri" uri.json

$PYTHON - $good > notracks.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); d["playlists"][0]["tracks"][0]["pos"] = None; json.dump(d, sys.stdout)
PY
expect_fail "null field" "pid 0: track 0: field 'pos' must be an integer" notracks.json

echo '{"info": {}}' > noplaylists.json
expect_fail "no playlists" "no 'playlists' array" noplaylists.json
echo '[1, 2]' > array.json
expect_fail "top-level array" "top level must be an object" array.json
: > empty.json
expect_fail "empty file" "empty.json: empty file" empty.json

$PYTHON - $good > nested.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); d["playlists"].append([1]); json.dump(d, sys.stdout)
PY
expect_fail "array inside playlists" "nested.json: the 'playlists' array must hold objects" nested.json
printf '{"playlists": [], "info": {}, "playlists": []}' > twice.json
expect_fail "two playlists arrays" "more than one 'playlists' array" twice.json
$PYTHON - $good > esc.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); d["playlists"][0]["tracks"][0]["track_uri"] = "spotify:track:\x1b[31mred"; json.dump(d, sys.stdout)
PY
expect_fail "terminal escape in a uri" "track_uri 'spotify:track:?\[31mred'" esc.json
gzip -c $good | $PYTHON -c 'import sys; b = bytearray(sys.stdin.buffer.read()); b[-6] ^= 0xff; sys.stdout.buffer.write(b)' > crc.json.gz
expect_fail "gzip checksum" "crc.json.gz: gzip error after .* incorrect data check" crc.json.gz

mkdir dup
cp $good dup/mpd.slice.0-2.json
cp $good dup/mpd.slice.0-2-copy.json
expect_fail "duplicate pid" "duplicate pid 0" dup

mkdir emptydir
expect_fail "empty folder" "emptydir: no .json or .json.gz files" emptydir
expect_fail "missing file" "missing.json" missing.json
mkdir dir.json
expect_fail "unreadable file" "dir.json" dir.json/

# --- two threads on a large slice: same outputs and same errors as one ---------------
$PYTHON $ROOT/bench/mpd_gen.py --out big --per-slice 200 --catalogue 5000 --seed 3
$mp -q -j 1 -o one big
$mp -q -j 2 -o two big
cmp one/tracks.tsv two/tracks.tsv
cmp one/playlists.bin two/playlists.bin
[ "$(grep -vc '^#' one/tracks.tsv)" -gt 1000 ]
# a bad track in the second half: both report the same message
f=$(ls big/*.json)
n=$(grep -n '"track_uri"' "$f" | tail -n 50 | head -n 1 | cut -d: -f1)
sed "${n}s/spotify:track:/spotify:track:!/" "$f" > big/bad.json.x
mkdir badbig && mv big/bad.json.x badbig/mpd.slice.0-199.json
set +e
$mp -q -j 1 -o o1 badbig 2>e1; r1=$?
$mp -q -j 2 -o o2 badbig 2>e2; r2=$?
set -e
[ $r1 -eq 1 ] && [ $r2 -eq 1 ] || exit 1
diff -u e1 e2
grep -q "track_uri 'spotify:track:!" e1
# a syntax error in the second half: same line and byte for both
sed "${n}s/\"track_uri\"/\"track_uri/" "$f" > badbig/mpd.slice.0-199.json
set +e
$mp -q -j 1 -o o1 badbig 2>e1
$mp -q -j 2 -o o2 badbig 2>e2
set -e
diff -u e1 e2
grep -q "invalid JSON at line $n" e1
[ ! -e o1 ] && [ ! -e o2 ] || exit 1
echo ok
