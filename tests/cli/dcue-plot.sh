# dcue-plot: every plot kind on small fixtures, as PNG, SVG and text; the
# data gnuplot receives (read back from --script) checked against the
# inputs; errors (no gnuplot, a failing or lying gnuplot, empty, malformed,
# corrupt or wrong inputs, usage) leave no image and no temporary file, and
# an existing image untouched.
set -eu
P=$BIN/dcue-plot
F=$TESTS/fixtures/plot

. "$TESTS/lib.sh"     # fails STATUS PATTERN COMMAND...
is_png() { [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; }
is_svg() { head -c 2000 "$1" | grep -q '<svg'; }
no_tmp() { ! ls -A . | grep -q '\.tmp\.' || { echo "temporary file left:"; ls -A; exit 1; }; }

# a small .mel: 20 frames x 8 bands, u8, byte (t * 8 + m) * 1, sr 22050, hop 512
$PYTHON - <<'EOF'
import struct, zlib
T, M = 20, 8
meta = struct.pack("<6I2f", 22050, 1024, 512, 0, 0, 0, -80.0, 0.0)
payload = bytes((t * M + m) % 256 for t in range(T) for m in range(M))
head = b"DCUEMEL\0" + struct.pack("<II4QII Q", 1, 1, T, M, 0, 0, len(meta), 0, len(payload))
head += struct.pack("<I", zlib.crc32(meta + payload))
head += struct.pack("<I", zlib.crc32(head))
open("small.mel", "wb").write(head + meta + payload)
EOF

# --- every kind, every terminal ----------------------------------------------
for term in png svg; do
	$P curves -o c.$term $F/metrics.tsv
	$P mel -o m.$term small.mel
	$P hist -o h.$term $F/mel-hist.tsv $F/mel-stats.txt
	$P eval -o e.$term $F/report.tsv $F/per-playlist.tsv
	$P stats -o s.$term $F/mpd-hist.tsv $F/mpd-stats.txt
done
for f in c m h e s; do is_png $f.png; is_svg $f.svg; done
$P eval -o e1.png $F/report.tsv                   # either input alone
$P eval -o e2.png $F/per-playlist.tsv
$P hist -o h1.png $F/mel-hist.tsv
is_png e1.png && is_png e2.png && is_png h1.png
$P --term png -o noext eval $F/report.tsv         # --term overrides the name
is_png noext
$P curves -o - $F/metrics.tsv > c.txt             # stdout: text by default
grep -q 'training curves' c.txt && grep -q 'validation' c.txt && grep -q epoch c.txt
$P mel -o - -s 60x20 small.mel > m.txt
[ "$(wc -l < m.txt)" -ge 15 ] && grep -q 'time (s)' m.txt
$P eval -t dumb -o e.txt $F/report.tsv && grep -q 'popularity' e.txt
no_tmp

# --- the data gnuplot received -----------------------------------------------
block() {  # script, datablock name: its lines
	awk -v b="\$$2 << EOD" '$0 == b { on = 1; next } $0 == "EOD" { on = 0 } on' "$1"
}
$P curves -o c.png --script c.gp $F/metrics.tsv
grep -q "^set output 'c.png'$" c.gp
# epoch rows: x, train_loss, valid_loss, train_acc, valid_acc
[ "$(block c.gp epoch)" = "$(printf ' 1 0.85 0.82 0.25 0.3\n 2 0.55 0.6 0.52 0.5')" ]
# step rows spread over each epoch: x = 0.5, 1 (epoch 1), 1.5, 2 (epoch 2)
[ "$(block c.gp step | cut -d' ' -f2-3)" = "$(printf '0.5 0.9\n1 0.8\n1.5 0.6\n2 0.5')" ]
gnuplot c.gp && is_png c.png                      # the script alone redraws it

$P eval -o e.png --script e.gp $F/report.tsv $F/per-playlist.tsv
block e.gp report > got.txt
$PYTHON - $F/report.tsv got.txt <<'EOF'
import sys, shlex
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if not l.startswith("#")]
want = {}
for metric, setting, model, value in rows:
    want.setdefault("%s %s" % (metric, setting), {})[model] = float(value)
got = [shlex.split(l) for l in open(sys.argv[2])]
assert [g[0] for g in got] == list(want), (got, want)
for g in got:
    w = want[g[0]]
    assert [float(x) for x in g[1:]] == [w["dcue"], w["popularity"], w["random"]], (g, w)
EOF
# per-playlist AUC: fractions per bin sum to 1 for each series, means in the keys
block e.gp auc > auc.txt
[ "$(wc -l < auc.txt)" -eq 20 ]
awk '{ for (i = 2; i <= NF; i++) s[i] += $i } END { for (i in s) if (s[i] < 0.999 || s[i] > 1.001) exit 1 }' auc.txt
mean=$(awk -F'\t' '$1 == "warm" && $2 == "dcue" { s += $4; n++ } END { printf "%.3f", s / n }' $F/per-playlist.tsv)
grep -q "dcue warm (mean $mean, 40 playlists)" e.gp
! grep -q 'random warm (mean' e.gp || exit 1                # random is the flat reference, not drawn

$P hist -o h.png --script h.gp $F/mel-hist.tsv $F/mel-stats.txt
[ "$(block h.gp hist)" = "$(grep -v '^#' $F/mel-hist.tsv | tr '\t' ' ')" ]
grep -q "mel_mean $(awk '$1 == "mel_mean" { print $2 }' $F/mel-stats.txt)" h.gp

$P stats -o s.png --script s.gp $F/mpd-hist.tsv $F/mpd-stats.txt
[ "$(block s.gp playlist_length)" = "$(awk -F'\t' '$1 == "playlist_length" { print $2, $3 }' $F/mpd-hist.tsv)" ]
[ "$(block s.gp track_occurrences)" = "$(awk -F'\t' '$1 == "track_occurrences" { print $2, $3 }' $F/mpd-hist.tsv)" ]
grep -q 'playlists 1000, interactions 25457' s.gp

$P mel -o m.png --script m.gp small.mel
block m.gp mel > mel.txt
[ "$(wc -l < mel.txt)" -eq 160 ]                  # 20 frames x 8 bands, no averaging
# frame t, band m: x = (t + 0.5) * 512 / 22050 s, y = m, value -80 + (8t + m) * 80/255
$PYTHON - mel.txt <<'EOF'
import sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1])]
k = 0
for t in range(20):
    for m in range(8):
        x, y, v = rows[k]; k += 1
        assert abs(x - (t + 0.5) * 512 / 22050) < 1e-5, (t, m, x)
        assert y == m, (t, m, y)
        assert abs(v - (-80 + (8 * t + m) * 80 / 255)) < 1e-3, (t, m, v)
EOF
$P mel -o m2.png --script m2.gp --max-frames 5 small.mel
[ "$(block m2.gp mel | wc -l)" -eq 40 ]          # 5 columns of 4 frames averaged
grep -q "set cbrange \[-80:0\]" m.gp

# a checkpoint's metric history (docs/dcue-train.md): 3 params, 3 rows
$PYTHON - <<'EOF'
import struct, zlib
nan = float("nan")
meta = bytes(range(40))
params = struct.pack("<6f", 1, 2, 3, 0, 0, 0)            # params, momentum
rows = [(1, 1, 5, 0.9, 0.2, nan, nan, 1, 1, 1), (0, 1, 10, 0.85, 0.25, 0.82, 0.3, 1, 2, 1),
        (0, 2, 20, 0.55, 0.52, 0.6, 0.5, 1, 3, 1)]
hist = b"".join(struct.pack("<IIQ7d", *r) for r in rows)
payload = params + hist
head = b"DCUECKP\0" + struct.pack("<II4QII Q", 1, 7, 3, len(rows), 0, 0, len(meta), 0, len(payload))
head += struct.pack("<I", zlib.crc32(meta + payload))
head += struct.pack("<I", zlib.crc32(head))
open("small.ckpt", "wb").write(head + meta + payload)
EOF
$P curves -o ck.png --script ck.gp small.ckpt
is_png ck.png
[ "$(block ck.gp epoch)" = "$(printf ' 1 0.85 0.82 0.25 0.3\n 2 0.55 0.6 0.52 0.5')" ]
[ "$(block ck.gp step)" = ' 1 0.9 NaN 0.2 NaN' ]

# a checkpoint as dcue-train writes it now (version 2: row steps after the
# history): the same curves as its --metrics file
"$PYTHON" "$TESTS/fixtures/dcue/gen.py" d --tracks 20 --playlists 8 --length 8 >/dev/null
$BIN/dcue-train train --mpd d/mpd --mels d/mels --mel-bins 16 --embedding-size 8 --channels 8 \
	--hidden 16 --nb-negatives 4 --batch-size 4 --threads 1 --quiet --epochs 2 \
	--save v2.ckpt --metrics v2.tsv
[ "$(od -An -tu4 -j8 -N4 v2.ckpt | tr -d ' ')" = 2 ]
$P curves -o v2.png --script v2-ckpt.gp v2.ckpt
$P curves -o v2.png --script v2-tsv.gp v2.tsv
[ "$(block v2-ckpt.gp epoch | wc -l)" -eq 2 ]
round5() { awk '{ for (i = 1; i <= NF; i++) if ($i != "NaN") $i = sprintf("%.5g", $i); print }'; }
[ "$(block v2-ckpt.gp epoch | round5)" = "$(block v2-tsv.gp epoch | round5)" ]   # TSV: 6 digits

# --- errors ------------------------------------------------------------------
echo old > keep.png
fails 1 'cannot run /nonexistent/gnuplot' $P curves --gnuplot /nonexistent/gnuplot -o keep.png $F/metrics.tsv
GNUPLOT=/nonexistent/gp fails 1 'cannot run /nonexistent/gp' $P curves -o new.png $F/metrics.tsv
[ ! -e new.png ]
printf '#!/bin/sh\ncat > /dev/null\nexit 3\n' > badgp && chmod +x badgp
fails 1 'failed (exit 3)' $P curves --gnuplot ./badgp -o keep.png $F/metrics.tsv
printf '#!/bin/sh\ncat > /dev/null\n' > liargp && chmod +x liargp   # exits 0, draws nothing
fails 1 'keep.png: expected an image, gnuplot wrote an empty file\|keep.png: gnuplot wrote no image' $P curves --gnuplot ./liargp -o keep.png $F/metrics.tsv
[ "$(cat keep.png)" = old ]

head -1 $F/metrics.tsv > empty-metrics.tsv
fails 1 'nothing to plot' $P curves -o keep.png empty-metrics.tsv
: > empty.tsv
fails 1 'empty.tsv:1: expected a header' $P curves -o keep.png empty.tsv
sed '3s/0.8/zero/' $F/metrics.tsv > bad-metrics.tsv
fails 1 'bad-metrics.tsv:3: column "train_loss": "zero" is not a number' $P curves -o keep.png bad-metrics.tsv
printf '# kind\tepoch\n' > short.tsv
fails 1 'short.tsv:1: no column "train_loss"' $P curves -o keep.png short.tsv
sed '2s/\t[^\t]*$//' $F/report.tsv > ragged.tsv
fails 1 'ragged.tsv:2: 3 fields, the header names 4' $P eval -o keep.png ragged.tsv
fails 1 'does not draw' $P hist -o keep.png $F/report.tsv
fails 1 'no histogram TSV' $P hist -o keep.png $F/mel-stats.txt
fails 1 'No such file' $P eval -o keep.png missing.tsv
sed 's/\t0\.[0-9]*$/\t1.5/' $F/per-playlist.tsv > bad-auc.tsv
fails 1 'outside \[0, 1\]' $P eval -o keep.png bad-auc.tsv
printf '# lo\thi\tcount\n-80\t-79\t0\n' > zero-hist.tsv
fails 1 'every bin is empty' $P hist -o keep.png zero-hist.tsv
cp small.mel corrupt.mel
printf '\377' | dd of=corrupt.mel bs=1 seek=150 conv=notrunc 2>/dev/null
fails 1 'corrupt.mel' $P mel -o keep.png corrupt.mel
fails 1 'corrupt.mel' $P curves -o keep.png corrupt.mel
cp small.ckpt corrupt.ckpt
printf '\001' | dd of=corrupt.ckpt bs=1 seek=$((72 + 40 + 30)) conv=notrunc 2>/dev/null
fails 1 'corrupt.ckpt' $P curves -o keep.png corrupt.ckpt
cp v2.ckpt corrupt2.ckpt          # a row step (the payload's last bytes) changed
printf '\001' | dd of=corrupt2.ckpt bs=1 seek=$(($(stat -c %s v2.ckpt) - 3)) conv=notrunc 2>/dev/null
fails 1 'corrupt2.ckpt: .*checksum' $P curves -o keep.png corrupt2.ckpt
[ "$(cat keep.png)" = old ]
no_tmp

fails 2 'no output' $P curves $F/metrics.tsv
fails 2 'usage' $P
fails 2 'plot' $P scatter -o x.png $F/metrics.tsv
fails 2 'term' $P curves -t jpeg -o x.png $F/metrics.tsv
fails 2 'size' $P curves -s big -o x.png $F/metrics.tsv
fails 2 'no input' $P curves -o x.png
$P --help | grep -q 'usage: dcue-plot'
$P --version | grep -q dcue
[ ! -e x.png ]
echo ok
