# Batch inputs skip bad lines: wav2mel --batch, mel-stats' '-' list and
# deezer-fetch's input each report a bad line as FILE:LINE (stdin:N for
# standard input) with what was expected and what was found, skip it,
# process every other line, and exit 1 (the documented "something was
# skipped" status, the same in every tool).
set -eu
. "$TESTS/lib.sh"
. "$TESTS/fake-deezer/lib.sh"
W=$BIN/wav2mel
ms=$BIN/mel-stats
df=$BIN/deezer-fetch
fake_mp3 a.mp3 440
fake_mp3 b.mp3 660

# --- wav2mel --batch: an over-long line between good ones ----------------------------
long=$(head -c 70000 /dev/zero | tr '\0' x)
{
	printf 'ida\ta.mp3\n'
	printf 'id%s\ta.mp3\n' "$long"          # line 2: longer than the buffer
	printf 'noTabHere\n'                    # line 3
	printf 'idb\tb.mp3\n'                   # line 4
	printf '%s' "$long"                     # line 5: over-long, no newline, at the end
} > batch.tsv
fails 1 'stdin:2: expected a line of at most 65534 bytes, found a longer one; line skipped' \
	$W --batch -o mels < batch.tsv
grep -q "stdin:3: expected 'id<TAB>path', found no tab; line skipped" err.txt
grep -q 'stdin:5: expected a line of at most 65534 bytes' err.txt
grep -q '2 converted, 3 failed' err.txt
[ "$(LC_ALL=C sort out.txt | tr '\n' ' ')" = "ida	mels/ida.mel idb	mels/idb.mel " ]
$W a.mp3 a.mel && cmp a.mel mels/ida.mel
$W b.mp3 b.mel && cmp b.mel mels/idb.mel
# the same list without its bad lines: exit 0
grep -v "^id$long\|^noTab\|^x" batch.tsv | $W --batch -o mels2 > /dev/null
cmp mels/idb.mel mels2/idb.mel

# --- mel-stats -: a missing file, a corrupt one, a NUL byte ----------------------------
cp a.mel bad.mel
printf 'x' | dd of=bad.mel bs=1 seek=100 conv=notrunc 2>/dev/null
printf 'a.mel\nnope.mel\n\nbad.mel\nb\0c.mel\nb.mel\n' > list.txt
fails 1 'stdin:2: nope.mel: cannot open: No such file or directory' $ms -o s.txt - < list.txt
grep -q 'stdin:4: bad.mel: ' err.txt
grep -q 'stdin:5: expected a path, found a NUL byte; line skipped' err.txt
grep -q '3 file(s) skipped' err.txt
grep -qx 'files 2' s.txt && grep -qx 'skipped 3' s.txt
# the statistics are those of the good lines
$ms -o good.txt a.mel b.mel
diff <(grep -v skipped s.txt) <(grep -v skipped good.txt)

# --- deezer-fetch: a line with too few fields, an over-long line ---------------------
cp "$TESTS/fixtures/deezer/catalogue.tsv" .
fake_mp3 c.mp3 880
fake_start catalogue.tsv
T=$TESTS/fixtures/deezer/tracks.tsv
{ sed -n 2p $T; printf 'Tk00000000000000000042\tonly two\n'; printf 'Tk1\t%s\tx\n' "$long"; sed -n 3p $T; } > in.tsv
fails 1 'in.tsv:2: expected track_id<TAB>artist<TAB>title, found 2 fields; line skipped' \
	$df --api "$API" --cache cache --rate 50/1 in.tsv
grep -q 'in.tsv:3: expected a line of at most 65536 bytes, found a longer one; line skipped' err.txt
[ "$(cut -f1 out.txt | tr '\n' ' ')" = "Tk00000000000000000001 Tk00000000000000000002 " ]
