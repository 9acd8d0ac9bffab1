# mpd-parse and mel-stats on failing disks: a full tmpfs, a file-size limit,
# a read-only folder, a folder that vanished before or during the run.  Each
# must name the path, exit 1, and leave the previous outputs byte for byte
# (no temporary left behind either); a set (tracks.tsv + playlists.bin,
# statistics + histogram) is never half replaced.
set -eu
. "$TESTS/writers-lib.sh"
mp=$BIN/mpd-parse
ms=$BIN/mel-stats
S0=$TESTS/fixtures/mpd/mpd.slice.0-2.json
S1=$TESTS/fixtures/mpd/mpd.slice.3-5.json

# --- mpd-parse: OUTDIR/tracks.tsv + playlists.bin ---------------------------
old_mpd() { mkdir -p "$1" && $mp -q -o "$1" $S0; }
new_mpd() { $mp -q -o "$1" $S0 $S1; }

tmpfs full
old_mpd full/out
fill full
refused 1 'full/out/\(tracks.tsv\|playlists.bin\): cannot write: No space left' full new_mpd full/out

old_mpd lim/out
limited 'lim/out/\(tracks.tsv\|playlists.bin\): cannot write: File too large' lim new_mpd lim/out

tmpfs ro
old_mpd ro/out
readonly_fs ro
refused 1 'ro/out/tracks.tsv: cannot write: Read-only file system' ro new_mpd ro/out
refused 1 'ro/new: cannot create folder: Read-only file system' ro new_mpd ro/new
# stats --histograms: checked before the slices are read
refused 1 'ro/h.tsv: cannot write: Read-only' ro $mp stats --histograms ro/h.tsv $S0

# the folder vanishes while the input is being read: an error, not a new folder
old_mpd v/out
mkfifo slice
(rc=0; $mp -q -o v/out - < slice 2> err.txt || rc=$?; echo $rc > rc) &
{ head -c 300 $S0; sleep 0.5; rm -rf v/out; tail -c +301 $S0; } > slice
wait
[ "$(cat rc)" -eq 1 ]
grep -q 'v/out/tracks.tsv: cannot write: No such file or directory' err.txt
[ ! -e v/out ]

# a good run over the same folders still works, and replaces the whole set
new_mpd lim/out
new_mpd ref
cmp lim/out/tracks.tsv ref/tracks.tsv && cmp lim/out/playlists.bin ref/playlists.bin

# --- mel-stats: STATS + --hist ----------------------------------------------
"$PYTHON" "$TESTS/fixtures/dcue/gen.py" d --tracks 12 --playlists 4 --length 4 >/dev/null
ls d/mels/*.mel | head -n 3 > three.txt
old_ms() { $ms -o "$1/s.txt" --hist "$2/h.tsv" - < three.txt 2>/dev/null; }
new_ms() { $ms -o "$1/s.txt" --hist "$2/h.tsv" d/mels; }

mkdir -p lim2
old_ms lim2 lim2
limited 'lim2/s.txt: cannot write: File too large' lim2 new_ms lim2 lim2

tmpfs full2
old_ms full2 full2
mkdir -p roomy
old_ms roomy full2
fill full2
refused 1 'full2/s.txt: cannot write: No space left' full2 new_ms full2 full2

# the statistics' folder has room, the histogram's is full: neither replaced
cp roomy/s.txt s.before
refused 1 'full2/h.tsv: cannot write: No space left' full2 new_ms roomy full2
cmp roomy/s.txt s.before
[ "$(ls -A roomy)" = "s.txt" ]

tmpfs ro2
old_ms ro2 ro2
readonly_fs ro2
refused 1 'ro2/s.txt: cannot write: Read-only file system' ro2 new_ms ro2 ro2
refused 1 'ro2/h.tsv: cannot write: Read-only file system' roomy new_ms roomy ro2

# a folder removed before the run: reported before any file is read
refused 1 'gone/s.txt: cannot write: No such file or directory' roomy new_ms gone roomy
refused 1 'gone/h.tsv: cannot write: No such file or directory' roomy new_ms roomy gone

# and the same commands succeed where they can write
new_ms roomy roomy
grep -qx 'files 12' roomy/s.txt
[ "$(wc -l < roomy/h.tsv)" -eq 81 ]
