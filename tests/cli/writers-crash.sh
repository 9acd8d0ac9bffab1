# Crash consistency: every writing tool is killed with kill -9 at seeded
# random moments of a run that replaces existing outputs; after each kill
# every output must be the old file or a complete new one (compared with a
# reference run, or checked by its checksums where the run records times).
# Hidden temporaries (.NAME.tmp.*, .NAME.old.*) may remain; nothing else.
set -eu
. "$TESTS/fake-deezer/lib.sh"
RANDOM=20261128               # the kill points are the same on every run
KILLS=${KILLS:-20}
mp=$BIN/mpd-parse ms=$BIN/mel-stats W=$BIN/wav2mel dt=$BIN/dcue-train P=$BIN/dcue-plot
df=$BIN/deezer-fetch
S0=$TESTS/fixtures/mpd/mpd.slice.0-2.json
S1=$TESTS/fixtures/mpd/mpd.slice.3-5.json
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# binok FILE: a dcue binary file whose size and both CRCs are right
binok() {
	"$PYTHON" - "$1" <<'PY'
import struct, sys, zlib
b = open(sys.argv[1], "rb").read()
meta, = struct.unpack_from("<I", b, 48)
payload, dcrc, hcrc = struct.unpack_from("<QII", b, 56)
ok = (len(b) == 72 + meta + payload and zlib.crc32(b[:68]) == hcrc
      and zlib.crc32(b[72:]) == dcrc)
sys.exit(0 if ok else 1)
PY
}
# rowsok FILE MIN MAX: a TSV with a header and MIN..MAX whole rows
rowsok() {
	local n
	n=$(($(wc -l < "$1") - 1))
	[ "$(tail -c 1 "$1" | od -An -c | tr -d ' ')" = '\n' ] && [ "$n" -ge "$2" ] && [ "$n" -le "$3" ]
}

# sums DIR FILE...: "FILE md5" lines for the FILEs present under DIR
sums() {
	local d=$1
	shift
	(cd "$d" && for f in "$@"; do [ -e "$f" ] && echo "$f"; done | xargs -r md5sum) |
		awk '{ print $2, $1 }'
}

# crash NAME CMD OUTPUT...: in a folder w/ holding the old outputs (from
# old/), runs CMD (with w/ in its paths) and kills it after a random delay
# up to 1.2 times the reference run's duration; then each OUTPUT (a path
# under w/) must equal old/'s or new/'s copy, or pass check_NAME if defined.
# Few processes per kill: the machines running this may be busy.
crash() {
	local name=$1 cmd=$2 t0 t1 T d pid f line
	shift 2
	declare -A oldsum newsum
	rm -rf w new && cp -a old w
	t0=$(now_ms)
	$cmd > /dev/null 2>&1
	t1=$(now_ms)
	T=$((t1 - t0))
	mv w new
	while read -r f line; do oldsum[$f]=$line; done < <(sums old "$@")
	while read -r f line; do newsum[$f]=$line; done < <(sums new "$@")
	local allowed
	allowed=$( (cd old && find . -type f; cd ../new && find . -type f) | LC_ALL=C sort -u)
	for _ in $(seq 1 "$KILLS"); do
		rm -rf w && cp -a old w
		d=$((RANDOM % (T + T / 5 + 1)))
		$cmd > /dev/null 2>&1 &
		pid=$!
		sleep "$((d / 1000)).$(printf '%03d' $((d % 1000)))"
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		declare -A seen=()
		while read -r f line; do
			seen[$f]=1
			[ "$line" = "${oldsum[$f]:-}" ] || [ "$line" = "${newsum[$f]:-}" ] ||
				{ declare -F "check_$name" > /dev/null && "check_$name" "w/$f"; } ||
				{ echo "$name killed after ${d} ms: $f is neither old nor new"; exit 1; }
		done < <(sums w "$@")
		for f in "$@"; do       # a missing output must have been missing before
			[ -n "${seen[$f]:-}" ] || [ -z "${oldsum[$f]:-}" ] ||
				{ echo "$name killed after ${d} ms: $f is gone"; exit 1; }
		done
		unset seen
		# nothing but the outputs and hidden temporaries
		extra=$(cd w && find . -type f ! -name '.*.tmp.*' ! -name '.*.old.*' | LC_ALL=C sort |
		        comm -23 - <(echo "$allowed"))
		[ -z "$extra" ] || { echo "$name killed after ${d} ms left: $extra"; exit 1; }
	done
	echo "$name: $KILLS kills within ${T} ms runs: every output old or new"
}

# --- mpd-parse ---------------------------------------------------------------------------
rm -rf old && mkdir -p old/out && $mp -q -o old/out $S0
crash mpd-parse "$mp -q -o w/out $S0 $S1" out/tracks.tsv out/playlists.bin

# --- mel-stats and wav2mel -------------------------------------------------------------
fake_mp3 a.mp3 440 1
fake_mp3 b.mp3 660 1
rm -rf old && mkdir -p old/mels
$W b.mp3 old/one.mel
printf 'ida\ta.mp3\nidb\tb.mp3\n' | $W --batch -o old/mels > /dev/null
$ms -o old/s.txt --hist old/h.tsv old/one.mel
crash wav2mel "$W a.mp3 w/one.mel" one.mel
crash mel-stats "$ms -o w/s.txt --hist w/h.tsv old/mels" s.txt h.tsv

# --- dcue-train train, eval, embed; dcue-plot ------------------------------------------------
"$PYTHON" "$TESTS/fixtures/dcue/gen.py" d --tracks 40 --playlists 12 --length 8 >/dev/null
tiny="--mel-bins 16 --embedding-size 8 --channels 8 --hidden 16 --nb-negatives 4 --batch-size 4 --threads 1 --quiet"
data="--mpd d/mpd --mels d/mels"
rm -rf old && mkdir old
$dt train $data $tiny --epochs 1 --save old/m.ckpt --metrics old/m.tsv
cp old/m.ckpt m1.ckpt
$dt eval $data --load m1.ckpt --quiet --report old/r.tsv --per-playlist old/pp.tsv > /dev/null
$dt embed $data --load m1.ckpt --quiet --tracks old/t.emb --playlists old/p.emb
$P curves -o old/c.png --script old/c.gp old/m.tsv
$dt train $data $tiny --epochs 3 --save m3.ckpt
# the run records its times: a new checkpoint is any whole one, the metrics any
# whole file of 1 to 3 epochs
check_train() {
	case $1 in
	*.ckpt) binok "$1" ;;
	*.tsv) rowsok "$1" 1 3 ;;
	esac
}
crash train "$dt train $data $tiny --epochs 3 --save w/m.ckpt --metrics w/m.tsv" m.ckpt m.tsv
crash eval "$dt eval $data --load m3.ckpt --quiet --report w/r.tsv --per-playlist w/pp.tsv" r.tsv pp.tsv
crash embed "$dt embed $data --load m3.ckpt --quiet --tracks w/t.emb --playlists w/p.emb" t.emb p.emb
crash dcue-plot "$P curves -o w/c.png --script w/c.gp $TESTS/fixtures/plot/metrics.tsv" c.png c.gp

# --- deezer-fetch: previews and the failures file -----------------------------------------
cp "$TESTS/fixtures/deezer/catalogue.tsv" .
fake_mp3 c.mp3 880
fake_start catalogue.tsv
T=$TESTS/fixtures/deezer/tracks.tsv
rm -rf old && mkdir old
$df --api "$API" --cache old --rate 1000/1 <(head -n 2 $T) > /dev/null 2>&1
# failures lines carry the time: any file of whole 4-field lines will do
# (an append log: empty when killed between its creation and its first write)
check_deezer() {
	case $1 in
	*.tsv) [ ! -s "$1" ] || { [ "$(tail -c 1 "$1" | od -An -c | tr -d ' ')" = '\n' ] &&
	       awk -F'\t' 'NR > 1 && NF != 4 { exit 1 }' "$1"; } ;;
	*) false ;;
	esac
}
outs=$(cut -f1 $T | grep -v '^#' | sed 's/$/.mp3/')
# shellcheck disable=SC2086
crash deezer "$df --api $API --cache w --rate 1000/1 $T" failures.tsv $outs
