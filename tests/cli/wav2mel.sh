# wav2mel, one file at a time: agreement with the numpy reference on a
# decoded MP3 (f32 and u8), stdin input, options, and every error case.
set -eu
W=$BIN/wav2mel
MS=$BIN/mel-stats
REF="$PYTHON $TESTS/ref/librosa_mel.py"

mp3() {   # out, lavfi source
	ffmpeg -hide_banner -nostdin -v error -y -f lavfi -i "$2" -ac 2 -b:a 128k "$1"
}
decode() {  # in, out.f32: the samples wav2mel's ffmpeg produces
	ffmpeg -hide_banner -nostdin -v error -y -i "file:$1" -map 0:a:0 -ac 1 \
		-af aresample=resampler=soxr:rematrix_maxval=1 -ar 22050 -f f32le "$2"
}
. "$TESTS/lib.sh"     # fails STATUS PATTERN COMMAND...
no_output() {   # nothing, not even a temporary, under the name or beside it
	[ ! -e "$1" ] || { echo "$1 exists"; exit 1; }
	! ls -A "$(dirname "$1")" | grep -q '\.tmp\.' || { echo "temporary left"; exit 1; }
}

mp3 tone.mp3 "aevalsrc=0.5*sin(2*PI*440*t)+0.2*sin(2*PI*(300+2000*t)*t):s=44100:d=3"
decode tone.mp3 tone.f32

# --- agreement with librosa's algorithm --------------------------------------
$W -e f32 tone.mp3 f32.mel
$REF check tone.f32 f32.mel                       # 0.05 dB above -60 dB, max 0
$W tone.mp3 u8.mel                                # u8, the default
$REF check --tol 0.2069 tone.f32 u8.mel           # + half a step (0.157 dB)
$W -e f32 --pad reflect tone.mp3 reflect.mel
$REF check --pad reflect tone.f32 reflect.mel
! cmp -s f32.mel reflect.mel || exit 1
$W -e f32 --log1p tone.mp3 log1p.mel
$REF check --log1p --tol 1e-4 --above 0.001 tone.f32 log1p.mel
$MS info log1p.mel | grep -qx 'scale: log1p'

# sizes: 3 s = 66150 samples -> 1 + 66150/512 = 130 frames x 128 bands
$MS info u8.mel > info.txt
grep -qx 'frames: 130' info.txt
grep -qx 'mels: 128' info.txt
grep -qx 'encoding: u8' info.txt
grep -qx 'max: 0' info.txt
grep -qx 'min: -80' info.txt
grep -qx 'silent: no' info.txt
[ "$(stat -c %s u8.mel)" -eq $((104 + 130 * 128)) ]
[ "$(stat -c %s f32.mel)" -eq $((104 + 130 * 128 * 4)) ]
$MS info reflect.mel | grep -qx 'pad: reflect'

# other parameters reach the header and the frame count
$W -r 16000 -n 512 -H 256 -m 64 tone.mp3 small.mel
$MS info small.mel > small.txt
grep -qx 'frames: 188' small.txt       # 48000 samples / 256 + 1
grep -qx 'mels: 64' small.txt
grep -qx 'sample_rate: 16000' small.txt
ffmpeg -hide_banner -nostdin -v error -y -f lavfi -i "sine=f=700:d=1:r=16000" s16k.wav
ffmpeg -hide_banner -nostdin -v error -y -i s16k.wav -f f32le s16k.f32
$W -e f32 -r 16000 -n 512 -H 256 -m 64 --pad reflect s16k.wav s16k.mel
$REF check --sr 16000 --n-fft 512 --hop 256 --mels 64 --pad reflect s16k.f32 s16k.mel

# --resampler swr: a different resampler, so not bit for bit, same length
$W --resampler swr tone.mp3 swr.mel
$MS info swr.mel | grep -qx 'frames: 130'
# a WAV at the target rate needs no resampling: exact agreement
ffmpeg -hide_banner -nostdin -v error -y -f lavfi -i "sine=f=1000:d=1:r=22050" odd.wav
$W -e f32 odd.wav wav.mel
ffmpeg -hide_banner -nostdin -v error -y -i odd.wav -f f32le wav.f32
$REF check wav.f32 wav.mel
$MS info wav.mel | grep -qx 'frames: 44'   # 22050 / 512 + 1
# stereo becomes the mean of the channels (librosa.to_mono), which matters
# for --log1p: the reference gets numpy's mean of the two channels
ffmpeg -hide_banner -nostdin -v error -y -f lavfi \
	-i "aevalsrc=0.6*sin(2*PI*440*t)|0.2*sin(2*PI*3000*t):s=22050:d=1" stereo.wav
ffmpeg -hide_banner -nostdin -v error -y -i stereo.wav -f f32le stereo.f32
$PYTHON -c 'import numpy as np; np.fromfile("stereo.f32", "<f4").reshape(-1, 2).mean(1, dtype=np.float32).tofile("mean.f32")'
$W -e f32 --log1p stereo.wav stereo.mel
$REF check --log1p --tol 1e-4 --above 0.001 mean.f32 stereo.mel
$W -e f32 stereo.wav stereo-db.mel
$REF check mean.f32 stereo-db.mel
# stdin gives the same bytes as the file (for MP3 through a pipe ffmpeg
# cannot trim the encoder's padding, so a WAV here; docs/wav2mel.md)
$W -e f32 - stdin.mel < odd.wav
cmp wav.mel stdin.mel
$W - stdin.mel < tone.mp3
$MS info stdin.mel | grep -q 'frames: 13[01]'

# --- usage -------------------------------------------------------------------
$W --help | grep -q '^usage: wav2mel'
$W --version | grep -q 'wav2mel (dcue)'
fails 2 'usage' $W
fails 2 'usage' $W tone.mp3
fails 2 'unrecognized' $W --bogus tone.mp3 x.mel
fails 2 'encoding' $W -e f16 tone.mp3 x.mel
fails 2 'pad' $W --pad edge tone.mp3 x.mel
fails 2 'n-fft' $W -n 1023 tone.mp3 x.mel
fails 2 'hop' $W -H 0 tone.mp3 x.mel
fails 2 'must be a file' $W tone.mp3 -
fails 2 'need --batch' $W -o dir tone.mp3 x.mel
fails 2 'needs -o' $W --batch
no_output x.mel

# --- errors: named, exit 1, no output ---------------------------------------
fails 1 'nope.mp3: cannot open: No such file' $W nope.mp3 x.mel
no_output x.mel
: > empty.mp3
fails 1 'empty.mp3: expected an audio file, found an empty file' $W empty.mp3 x.mel
no_output x.mel
printf 'this is not audio\n%.0s' $(seq 50) > text.mp3
fails 1 'text.mp3: cannot decode' $W text.mp3 x.mel
no_output x.mel
fails 1 'cannot decode' $W - x.mel < text.mp3
no_output x.mel
mkdir adir
fails 1 'adir: expected an audio file, found a directory' $W adir x.mel
ffmpeg -hide_banner -nostdin -v error -y -f lavfi -i "color=c=red:s=16x16:d=1" -frames:v 1 img.png
fails 1 'img.png: cannot decode' $W img.png x.mel        # no audio stream
no_output x.mel
fails 1 'cannot run /nonexistent/ffmpeg' $W --ffmpeg /nonexistent/ffmpeg tone.mp3 x.mel
FFMPEG=/nonexistent/ff fails 1 'cannot run /nonexistent/ff' $W tone.mp3 x.mel
fails 1 'ffmpeg exited with status 1' $W --ffmpeg false tone.mp3 x.mel
no_output x.mel
fails 1 'nodir/x.mel: cannot write' $W tone.mp3 nodir/x.mel
# silence: an error by default; --allow-silent writes every cell at -80 dB,
# flagged silent
ffmpeg -hide_banner -nostdin -v error -y -f lavfi -i "anullsrc=r=22050:cl=mono" -t 1 silence.wav
fails 1 'silence.wav: silent input' $W silence.wav x.mel
no_output x.mel
$W --allow-silent silence.wav quiet.mel 2>err.txt
grep -q 'silent input; writing' err.txt
$MS info quiet.mel > q.txt
grep -qx 'silent: yes' q.txt
grep -qx 'max: -80' q.txt
# a damaged frame in the middle: ffmpeg recovers, wav2mel warns and writes
cp tone.mp3 damaged.mp3
printf 'damage%.0s' $(seq 500) | dd of=damaged.mp3 bs=1 seek=20000 conv=notrunc 2> /dev/null
$W damaged.mp3 damaged.mel 2> err.txt
grep -q 'damaged.mp3: warning: ffmpeg: .*Invalid data' err.txt
$MS info damaged.mel | grep -q '^frames: 1[0-9][0-9]$'
# an existing output survives a failure untouched
cp u8.mel keep.mel
fails 1 'cannot decode' $W text.mp3 keep.mel
cmp u8.mel keep.mel
echo ok
