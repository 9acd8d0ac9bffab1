# mel-stats: statistics and histogram checked against numpy on the same
# files; directory, file and stdin-list operands; corrupt files named and
# skipped with a non-zero exit; info and dump; usage errors.
set -eu
W=$BIN/wav2mel
MS=$BIN/mel-stats

. "$TESTS/lib.sh"     # fails STATUS PATTERN COMMAND...

# a few .mel files, u8 and f32, of different lengths and contents
mkdir mels
i=0
for src in "sine=f=440:d=2" "sine=f=3000:d=1" \
           "aevalsrc=0.3*sin(2*PI*(100+3000*t)*t):s=22050:d=1.5" "anoisesrc=d=1:a=0.3:s=7"; do
	i=$((i + 1))
	ffmpeg -hide_banner -nostdin -v error -y -f lavfi -i "$src" -ac 1 -ar 22050 a$i.wav
done
$W a1.wav mels/one.mel
$W -e f32 a2.wav mels/two.mel
$W a3.wav mels/three.mel
$W -e f32 --pad reflect a4.wav mels/four.mel
echo 'not a mel' > mels/readme.txt         # ignored: not *.mel

# --- against numpy ------------------------------------------------------------
$MS -o stats.txt --hist hist.tsv mels
cat stats.txt
cat > check.py <<'EOF'
import sys, numpy as np
sys.path.insert(0, sys.argv[1] + "/ref")
from librosa_mel import read_mel
stats = dict(l.split(" ") for l in open(sys.argv[2]).read().splitlines())
hist = np.loadtxt(sys.argv[3], comments="#")
xs = [read_mel(p).astype(np.float64) for p in sys.argv[4:]]
v = np.concatenate([x.ravel() for x in xs])
s = (v + 80.0) / 80.0
bins = np.clip(np.floor((v + 80.0) / 80.0 * 80), 0, 79).astype(int)
want = {"files": len(xs), "frames": sum(x.shape[0] for x in xs), "values": v.size,
        "db_min": v.min(), "db_max": v.max(), "mel_min": -80, "mel_max": 0,
        "mel_mean": s.mean(), "mel_std": s.std(), "skipped": 0}
bad = 0
for k, w in want.items():
    g = float(stats[k])
    ok = abs(g - w) <= 1e-7 * max(1.0, abs(w))
    print(f"{k:9s} mel-stats {g:.9g}  numpy {w:.9g}  {'ok' if ok else 'MISMATCH'}")
    bad += not ok
counts = np.bincount(bins, minlength=80)
if hist.shape != (80, 3) or not (hist[:, 2] == counts).all():
    print("histogram differs:", hist[:, 2], counts); bad += 1
if not (hist[:, 0] == np.arange(-80, 0)).all() or not (hist[:, 1] == np.arange(-79, 1)).all():
    print("histogram edges differ"); bad += 1
sys.exit(1 if bad else 0)
EOF
head -1 hist.tsv | grep -qx '# lo	hi	count'
$PYTHON check.py "$TESTS" stats.txt hist.tsv mels/*.mel

# the same set named file by file, or listed on stdin: the same numbers
$MS mels/one.mel mels/two.mel mels/three.mel mels/four.mel > byfile.txt
cmp stats.txt byfile.txt
ls mels/*.mel | $MS - > bylist.txt
cmp stats.txt bylist.txt
# a subset, checked on its own
$MS --hist h2.tsv -o s2.txt mels/two.mel mels/four.mel
$PYTHON check.py "$TESTS" s2.txt h2.tsv mels/two.mel mels/four.mel
# other scaling range and bins reach the output
$MS --mel-min -100 --mel-max 10 --bins 11 --hist h3.tsv mels > s3.txt
grep -qx 'mel_min -100' s3.txt
grep -qx 'mel_max 10' s3.txt
[ "$(grep -vc '^#' h3.tsv)" -eq 11 ]
head -2 h3.tsv | tail -1 | grep -qx -- '-100	-90	0'

# --- corrupt files: named, skipped, exit 1, the others still counted ----------
mkdir bad
cp mels/*.mel bad/
cp mels/one.mel bad/flipped.mel
printf '\x55' | dd of=bad/flipped.mel bs=1 seek=3000 conv=notrunc 2> /dev/null
head -c 500 mels/two.mel > bad/truncated.mel
echo 'plain text, not a .mel file at all, long enough to have a header: padding padding padding' > bad/text.mel
$W --log1p a1.wav bad/log1p.mel
rc=0
$MS -o badstats.txt bad 2> err.txt || rc=$?
cat err.txt
[ $rc -eq 1 ]
grep -q 'bad/flipped.mel: .*checksum' err.txt
grep -q 'bad/truncated.mel' err.txt
grep -q 'bad/text.mel' err.txt
grep -q 'bad/log1p.mel: scale log1p, not db' err.txt
grep -q '4 file(s) skipped' err.txt
grep -qx 'skipped 4' badstats.txt
diff <(grep -v skipped stats.txt) <(grep -v skipped badstats.txt)
fails 1 'nope.mel: cannot open' $MS mels/one.mel nope.mel
fails 1 'no readable .mel files' $MS -o none.txt bad/flipped.mel
[ ! -e none.txt ]
mkdir empty
fails 1 'no readable .mel files' $MS empty

# --- info and dump --------------------------------------------------------------
$MS info mels/two.mel > info.txt
grep -qx 'encoding: f32' info.txt
grep -qx 'frames: 44' info.txt
grep -qx 'mels: 128' info.txt
grep -qx 'scale: db' info.txt
grep -qx 'max: 0' info.txt
$MS info mels/four.mel | grep -qx 'pad: reflect'
$MS dump mels/three.mel > three.f32
$MS dump mels/two.mel > two.f32
$PYTHON - "$TESTS" <<'EOF'
import sys, numpy as np
sys.path.insert(0, sys.argv[1] + "/ref")
from librosa_mel import read_mel
for name in ("three", "two"):
    d = np.fromfile(name + ".f32", "<f4")
    m = read_mel("mels/" + name + ".mel")
    assert d.size == m.size and (d.reshape(m.shape) == m).all(), name
EOF
fails 1 'checksum' $MS dump bad/flipped.mel
[ ! -s out.txt ]
fails 1 'checksum' $MS info bad/flipped.mel
fails 1 'nope.mel' $MS info nope.mel

# --- usage ----------------------------------------------------------------------
$MS --help | grep -q '^usage: mel-stats'
$MS --version | grep -q 'mel-stats (dcue)'
fails 2 'usage' $MS
fails 2 'info takes one' $MS info
fails 2 'info takes one' $MS info a b
fails 2 'greater' $MS --mel-min 0 --mel-max -80 mels
fails 2 'bins' $MS --bins 0 mels
fails 2 'unrecognized' $MS --bogus mels
fails 2 'scale' $MS --scale ln mels
# log1p files are counted with --scale log1p (and the range given)
$MS --scale log1p --mel-min 0 --mel-max 2 bad/log1p.mel | grep -qx 'files 1' 
echo ok
