# Files whose checksums are valid but whose values are not usable: every
# value is checked before it sizes an allocation or enters arithmetic, and
# the error names the file (issue 12, item 2).  Files are made valid with
# tests/fixtures/dcue/gen.py, then fields rewritten with their CRCs fixed
# (tests/fixtures/binpatch.py).
set -eu
. "$TESTS/lib.sh"
gen() { "$PYTHON" "$TESTS/fixtures/dcue/gen.py" "$@" >/dev/null; }
patch() { "$PYTHON" "$TESTS/fixtures/binpatch.py" "$@"; }
tiny="--mel-bins 8 --embedding-size 4 --channels 4 --hidden 4 --nb-negatives 2 --batch-size 2 --threads 1 --quiet"

gen d --tracks 8 --playlists 4 --frames 40 --mel-bins 8
one=$(ls d/mels | head -n 1)

# --- .mel: a u8 range near ±3e38 overflows vmax - vmin (was SIGSEGV) ---
cp "d/mels/$one" huge.mel
patch huge.mel 96:f:-3e38 100:f:3e38
fails 1 "huge.mel: invalid value range" "$BIN/mel-stats" huge.mel
fails 1 "huge.mel: invalid value range" "$BIN/mel-stats" info huge.mel
# a range within the limit still reads
cp "d/mels/$one" wide.mel
patch wide.mel 96:f:-1e6 100:f:1e6
"$BIN/mel-stats" info wide.mel | grep -q '^vmax: 1000000$'

# f32 values: finite but huge, then NaN
gen f --tracks 3 --playlists 2 --frames 6 --mel-bins 4 --f32
f32=$(ls f/mels | head -n 1)
cp "f/mels/$f32" big.mel
patch big.mel 104:f:3e38
fails 1 "big.mel: value 0 is out of range" "$BIN/mel-stats" big.mel
cp "f/mels/$f32" nan.mel
patch nan.mel 108:f:nan
fails 1 "nan.mel: value 1 is not finite" "$BIN/mel-stats" nan.mel
# mel-stats: scaling far from the values cannot give infinite sums
"$BIN/mel-stats" -o s.txt "f/mels/$f32"
grep -q '^mel_mean ' s.txt
fails 1 "$f32: values too far from" "$BIN/mel-stats" -o s2.txt --mel-min 0 --mel-max 1e-300 \
	"f/mels/$f32"
[ ! -e s2.txt ]

# dcue-train refuses both instead of training on a NaN mean (was exit 0)
cp huge.mel "d/mels/$one"
fails 1 "$one: invalid value range" "$BIN/dcue-train" train --mpd d/mpd --mels d/mels \
	$tiny --epochs 1 --mel-length 128
gen f2 --tracks 6 --playlists 3 --frames 40 --mel-bins 8 --f32
f2=$(ls f2/mels | head -n 1)
patch "f2/mels/$f2" 120:f:3e38
fails 1 "$f2: value 4 (frame 0) is out of range" "$BIN/dcue-train" train --mpd f2/mpd \
	--mels f2/mels $tiny --epochs 1 --mel-length 128

# --- checkpoints: valid checksums, absurd configuration ---
gen c --tracks 8 --playlists 4 --frames 40 --mel-bins 8
"$BIN/dcue-train" train --mpd c/mpd --mels c/mels $tiny --epochs 1 --mel-length 128 \
	--save ok.ckpt
"$BIN/dcue-train" eval --load ok.ckpt --mpd c/mpd --mels c/mels --quiet >/dev/null
# 2^31 playlists x 65536 hidden: was "cannot allocate 824633863488 bytes"
cp ok.ckpt absurd.ckpt
patch absurd.ckpt 72:I:2147483648 92:I:65536
fails 1 "absurd.ckpt: 0 parameters stored\|absurd.ckpt: [0-9]* parameters stored, the configuration needs" \
	"$BIN/dcue-train" eval --load absurd.ckpt --mpd c/mpd --mels c/mels
! grep -q "cannot allocate" err.txt || exit 1
cp ok.ckpt crit.ckpt
patch crit.ckpt 96:I:7
fails 1 "crit.ckpt: invalid training settings (criterion 7" \
	"$BIN/dcue-train" eval --load crit.ckpt --mpd c/mpd --mels c/mels
cp ok.ckpt lr.ckpt
patch lr.ckpt 132:f:nan
fails 1 "lr.ckpt: invalid values (margin [0-9.]*, lr nan" \
	"$BIN/dcue-train" eval --load lr.ckpt --mpd c/mpd --mels c/mels
cp ok.ckpt param.ckpt
patch param.ckpt 296:f:inf
fails 1 "param.ckpt: parameter 0 is not finite" \
	"$BIN/dcue-train" eval --load param.ckpt --mpd c/mpd --mels c/mels
# deeper values of a wider model: the scan goes by blocks of 4096, the index named is exact
"$BIN/dcue-train" train --mpd c/mpd --mels c/mels $tiny --channels 64 --hidden 64 \
	--embedding-size 64 --epochs 1 --mel-length 128 --save wide.ckpt
n=$(od -A n -t u8 -j 16 -N 8 wide.ckpt | tr -d ' ')
meta=$(od -A n -t u4 -j 48 -N 4 wide.ckpt | tr -d ' ')
[ "$n" -gt $((3 * 4096)) ] || { echo "wide.ckpt: only $n parameters"; exit 1; }
for at in 4097 $(((n - 1) / 4096 * 4096)) $((n - 1)); do
	cp wide.ckpt p$at.ckpt
	patch p$at.ckpt $((72 + meta + 4 * at)):f:nan
	fails 1 "p$at.ckpt: parameter $at is not finite" \
		"$BIN/dcue-train" eval --load p$at.ckpt --mpd c/mpd --mels c/mels
done
cp wide.ckpt m.ckpt
patch m.ckpt $((72 + meta + 4 * n + 4 * 8195)):f:-inf
fails 1 "m.ckpt: momentum 8195 is not finite" \
	"$BIN/dcue-train" eval --load m.ckpt --mpd c/mpd --mels c/mels

# --- embeddings: a NaN vector value is refused, naming the file ---
"$BIN/dcue-train" embed --load ok.ckpt --mpd c/mpd --mels c/mels --tracks t.emb --quiet
n=$(od -A n -t u8 -j 16 -N 8 t.emb | tr -d ' ')
patch t.emb $((72 + 4 * n + 4)):f:nan
fails 1 "t.emb: row 0, value 1 is not finite" "$BIN/dcue-train" recommend --load ok.ckpt \
	--mpd c/mpd --embeddings t.emb --playlist 0 -k 2

# --- dcue-train --stats: finite but out of the options' range ---
printf 'mel_min -80\nmel_max 0\nmel_mean 1e30\nmel_std 0.2\n' > huge-stats.txt
fails 1 "huge-stats.txt:3: mel_mean: 1e+30 is out of range" "$BIN/dcue-train" train \
	--mpd c/mpd --mels c/mels --stats huge-stats.txt $tiny --epochs 1 --mel-length 128
printf 'mel_min -80\nmel_max 0\nmel_std 0\n' > zero-std.txt
fails 1 "zero-std.txt:3: mel_std: 0 is out of range" "$BIN/dcue-train" train \
	--mpd c/mpd --mels c/mels --stats zero-std.txt $tiny --epochs 1 --mel-length 128

# --- wav2mel: a float WAV holding a NaN sample is refused, no .mel ---
"$PYTHON" - <<'PY'
import struct
import numpy as np
x = (0.5 * np.sin(np.arange(22050) * 0.1)).astype("<f4")
def wav(name, x):
    d = x.tobytes()
    h = (b"RIFF" + struct.pack("<I", 36 + len(d)) + b"WAVE" + b"fmt " +
         struct.pack("<IHHIIHH", 16, 3, 1, 22050, 22050 * 4, 4, 32) + b"data" +
         struct.pack("<I", len(d)))
    open(name, "wb").write(h + d)
x[1000] = np.nan
wav("nan.wav", x)
x[1000] = 2.4e38        # finite, but its power spectrum overflows (found by fuzz_pcm)
wav("huge.wav", x)
PY
fails 1 "nan.wav: decoded sample 1000 is not finite" "$BIN/wav2mel" --encoding f32 nan.wav nan-out.mel
[ ! -e nan-out.mel ]
fails 1 "huge.wav: decoded sample 1000 is 2.4e+38 (expected within ±1e6)" "$BIN/wav2mel" \
	--log1p huge.wav huge-out.mel
[ ! -e huge-out.mel ]
