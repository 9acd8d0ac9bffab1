# wav2mel (single file and --batch) and deezer-fetch on failing disks: a
# full tmpfs, a file-size limit, a read-only folder, a folder that vanished
# before or during the run.  Each names the path, exits 1 and leaves the
# previous outputs byte for byte (no temporary behind).
set -eu
. "$TESTS/writers-lib.sh"
. "$TESTS/fake-deezer/lib.sh"
W=$BIN/wav2mel
df=$BIN/deezer-fetch
fake_mp3 a.mp3 440
fake_mp3 b.mp3 660
mkdir lim
printf 'ida\ta.mp3\nidb\tb.mp3\n' > list.tsv

# --- wav2mel IN OUT.mel ----------------------------------------------------------
$W b.mp3 lim/s.mel
limited 'lim/s.mel: cannot write: File too large' lim $W a.mp3 lim/s.mel
tmpfs full 1m
$W b.mp3 full/s.mel
mkdir full/mels && $W --batch -o full/mels < list.tsv > /dev/null
fill full
refused 1 'full/s.mel: cannot write: No space left' full $W a.mp3 full/s.mel
tmpfs ro 1m
$W b.mp3 ro/s.mel
$W --batch -o ro/mels < list.tsv > /dev/null
readonly_fs ro
refused 1 'ro/s.mel: cannot write: Read-only file system' ro $W a.mp3 ro/s.mel
refused 1 'gone/s.mel: cannot write: No such file or directory' lim $W a.mp3 gone/s.mel

# --- wav2mel --batch -----------------------------------------------------------------
# the folder is checked before the first line; a file that cannot be written
# is reported and skipped, the rest goes on (exit 1)
refused 1 'ro/mels: cannot write: Read-only file system' ro $W --batch -o ro/mels < list.tsv
refused 1 'full/mels/ida.mel: cannot write: No space left' full $W --batch -o full/mels < list.tsv
grep -q 'full/mels/idb.mel: cannot write: No space left' err.txt
grep -q '0 converted, 2 failed' err.txt
mkdir lim/mels
limited 'lim/mels/ida.mel: cannot write: File too large' lim $W --batch -o lim/mels < list.tsv
# the output folder removed between two lines
mkfifo lines
rc=0
( $W --batch -g 1 --wait 0.05 -o v < lines > v.out 2> err.txt ) &
pid=$!
exec 3> lines
printf 'ida\ta.mp3\n' >&3
for _ in $(seq 1 200); do [ -e v/ida.mel ] && break; sleep 0.05; done
[ -e v/ida.mel ]
rm -rf v
printf 'idb\tb.mp3\n' >&3
exec 3>&-
wait $pid || rc=$?
[ "$rc" -eq 1 ]
grep -q 'v/idb.mel: cannot write: No such file or directory' err.txt
grep -qx "ida	v/ida.mel" v.out

# --- deezer-fetch: the cache (previews) and the failures file ----------------------
cp "$TESTS/fixtures/deezer/catalogue.tsv" .
fake_mp3 c.mp3 880
fake_start catalogue.tsv
trap 'fake_stop; unmount_all' EXIT
T=$TESTS/fixtures/deezer/tracks.tsv
fetch() { $df --api "$API" --cache "$1" --rate 50/1 "$2"; }
# a first run: two previews and a failures file (one track not found)
{ head -n 3 $T; grep -P '^Tk0+8\t' $T; } > first.tsv
mkdir -p lim/cache
fetch lim/cache first.tsv > /dev/null 2>&1
limited 'lim/cache/\(Tk[0-9]*.mp3\|ratelimit.state\): cannot write: File too large' lim fetch lim/cache $T
tmpfs dfull 1m
fetch dfull/cache first.tsv > /dev/null 2>&1
# pad the failures file to a whole page, so that the next append needs a new
# block (tmpfs allocates pages) and meets the full disk
f=dfull/cache/failures.tsv
pad=$((8192 - $(stat -c %s $f) - 55))
printf 'Tk99999999999999999999	not_found	%s	2026-01-01T00:00:00Z\n' "$(head -c $pad /dev/zero | tr '\0' x)" >> $f
[ "$(stat -c %s $f)" -eq 8192 ]
fill dfull
refused 1 'dfull/cache/Tk[0-9]*.mp3: cannot write: No space left' dfull fetch dfull/cache $T
# not_found and no_preview go to the failures file only: a full disk cuts
# that append, which is undone
grep -P '^Tk0+[78]\t' $T > nomatch.tsv
refused 1 'dfull/cache/failures.tsv: cannot write: No space left' dfull fetch dfull/cache nomatch.tsv
tmpfs dro 1m
fetch dro/cache first.tsv > /dev/null 2>&1
readonly_fs dro
refused 1 'dro/cache: cannot write: Read-only file system' dro fetch dro/cache $T
# a failures file elsewhere, in a read-only folder: checked before any request
mkdir -p ok
refused 1 'dro/f.tsv: cannot write: Read-only file system' ok \
	$df --api "$API" --cache ok --failures dro/f.tsv "$T"
