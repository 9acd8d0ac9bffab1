#!/bin/bash
# bench_wav2mel.sh — wav2mel and mel-stats (BENCHMARKS.md, "wav2mel and mel-stats").
#
# On 30-second 128 kbit/s stereo MP3s made with ffmpeg, in the same run and
# alternating, so that the shared machine's noise hits all alike:
#   (1)  ffmpeg -i X -f f32le -ac 1 -ar 22050 - > /dev/null, per file
#   (1s) the same with the soxr resampler, the exact decode wav2mel runs
#   (2)  wav2mel X OUT.mel, per file
#   (3)  wav2mel --batch over 200 files, per file (defaults: one lane per
#        core, 16 files per ffmpeg)
#   (3') the same with one lane (-j 1 -g 32): a single ffmpeg at a time
#   (3f) ffmpeg alone on the same groups of 16, one per core at a time, to
#        /dev/null (bench/wav2mel_group.sh): the decoding floor of (3)
# then the mel computation alone on decoded samples (bench/wav2mel_melbench.c)
# next to the numpy reference, and mel-stats throughput in MB/s.
# Targets (issue 3): (2) <= 1.1 x (1); (3) <= 0.25 x (1); mel alone <= 5 ms.
#
# env: BIN, ROOT, PYTHON (bench/run.sh sets them); WAV2MEL_BENCH_DIR (work
# folder, kept between runs for its MP3s), WAV2MEL_BENCH_ROUNDS (3),
# WAV2MEL_BENCH_FILES (200), WAV2MEL_BENCH_SINGLE (10 files per round).
set -eu
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
here=$(cd "$(dirname "$0")" && pwd)
: "${ROOT:=$(cd "$here/.." && pwd)}" "${BIN:=$ROOT/bin}" "${PYTHON:=/usr/bin/python3}"
dir=${WAV2MEL_BENCH_DIR:-${TMPDIR:-/tmp}/dcue-bench-wav2mel}
rounds=${WAV2MEL_BENCH_ROUNDS:-3}
nfiles=${WAV2MEL_BENCH_FILES:-200}
nsingle=${WAV2MEL_BENCH_SINGLE:-10}
mkdir -p "$dir/mp3"
cd "$dir"

# --- inputs: 8 distinct previews, copied up to nfiles --------------------------
for k in 1 2 3 4 5 6 7 8; do
	[ -s src$k.mp3 ] && continue
	ffmpeg -hide_banner -nostdin -v error -y -f lavfi \
		-i "aevalsrc=0.3*sin(2*PI*$((110 * k))*t)+0.2*sin(2*PI*(200+$((60 * k))*t)*t)+0.05*(random($k)-0.5):s=44100:d=30" \
		-ac 2 -b:a 128k src$k.mp3
done
for i in $(seq 1 "$nfiles"); do
	[ -s mp3/p$i.mp3 ] || cp src$(( (i - 1) % 8 + 1 )).mp3 mp3/p$i.mp3
done
for i in $(seq 1 "$nfiles"); do printf 'p%d\tmp3/p%d.mp3\n' "$i" "$i"; done > list.tsv

# --- the mel helper --------------------------------------------------------------
make -s -C "$ROOT" build/tools/wav2mel/lib.a build/libdcue.a
cc -std=c11 -O2 -I"$ROOT/common" -o melbench "$ROOT/bench/wav2mel_melbench.c" \
	"$ROOT/build/tools/wav2mel/lib.a" "$ROOT/build/libdcue.a" \
	$(pkg-config --libs fftw3f zlib) -lm

ms_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f\n", (b - a) * 1000 }'; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

: > t1.txt; : > t1s.txt; : > t2.txt; : > t3.txt; : > t3j1.txt; : > t3f.txt
for r in $(seq 1 "$rounds"); do
	for i in $(seq 1 "$nsingle"); do
		f=mp3/p$i.mp3
		t=$EPOCHREALTIME
		ffmpeg -hide_banner -nostdin -v error -i "$f" -f f32le -ac 1 -ar 22050 - > /dev/null
		ms_since "$t" >> t1.txt
		t=$EPOCHREALTIME
		ffmpeg -hide_banner -nostdin -v error -i "file:$f" -map 0:a:0 -ac 1 \
			-af aresample=resampler=soxr:rematrix_maxval=1 -ar 22050 -f f32le - > /dev/null
		ms_since "$t" >> t1s.txt
		t=$EPOCHREALTIME
		"$BIN/wav2mel" "$f" single.mel
		ms_since "$t" >> t2.txt
	done
	rm -rf mels
	t=$EPOCHREALTIME
	"$BIN/wav2mel" --batch -o mels < list.tsv > /dev/null
	echo "$(ms_since "$t") $nfiles" | awk '{ printf "%.3f\n", $1 / $2 }' >> t3.txt
	rm -rf mels1
	t=$EPOCHREALTIME
	"$BIN/wav2mel" --batch -j 1 -g 32 -o mels1 < list.tsv > /dev/null
	echo "$(ms_since "$t") $nfiles" | awk '{ printf "%.3f\n", $1 / $2 }' >> t3j1.txt
	t=$EPOCHREALTIME
	for s in $(seq 1 16 "$nfiles"); do
		e=$((s + 15)); [ "$e" -gt "$nfiles" ] && e=$nfiles
		echo "$s $e"
	done | xargs -P "$(nproc)" -n 2 bash "$here/wav2mel_group.sh"
	echo "$(ms_since "$t") $nfiles" | awk '{ printf "%.3f\n", $1 / $2 }' >> t3f.txt
done
rm -rf mels1
m1=$(median < t1.txt); m1s=$(median < t1s.txt); m2=$(median < t2.txt); m3=$(median < t3.txt)
m3j1=$(median < t3j1.txt); m3f=$(median < t3f.txt)
echo "files: $nfiles previews of 30 s, 128 kbit/s stereo MP3; $rounds rounds, $nsingle per-file runs each"
echo "(1)  ffmpeg alone, per file:          $m1 ms (median of $(wc -l < t1.txt))"
echo "(1s) ffmpeg alone with soxr, per file: $m1s ms"
echo "(2)  wav2mel, per file:               $m2 ms"
echo "(3)  wav2mel --batch, per file:       $m3 ms (median of $rounds batches of $nfiles)"
echo "(3') wav2mel --batch -j 1 -g 32:       $m3j1 ms"
echo "(3f) ffmpeg alone, same groups:       $m3f ms (decoding floor of (3))"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
awk -v a="$m2" -v b="$m1" 'BEGIN { printf "ratio (2)/(1): %.3f (target <= 1.1)\n", a / b }'
awk -v a="$m2" -v b="$m1s" 'BEGIN { printf "ratio (2)/(1s): %.3f\n", a / b }'
awk -v a="$m3" -v b="$m1" 'BEGIN { printf "ratio (3)/(1): %.3f (target <= 0.25)\n", a / b }'
awk -v a="$m3j1" -v b="$m1" 'BEGIN { printf "ratio (3\x27)/(1): %.3f\n", a / b }'
awk -v a="$m3f" -v b="$m1" 'BEGIN { printf "ratio (3f)/(1): %.3f\n", a / b }'
awk -v a="$m3" -v b="$m3f" 'BEGIN { printf "ratio (3)/(3f): %.3f (what wav2mel adds to the decoding)\n", a / b }'

# --- the mel computation alone ---------------------------------------------------------
ffmpeg -hide_banner -nostdin -v error -y -i file:mp3/p1.mp3 -map 0:a:0 -ac 1 \
	-af aresample=resampler=soxr:rematrix_maxval=1 -ar 22050 -f f32le p1.f32
./melbench p1.f32 100 | sed 's/^/melbench: /'
"$PYTHON" - "$ROOT/tests/ref" p1.f32 <<'EOF'
import sys, time, numpy as np
sys.path.insert(0, sys.argv[1])
import librosa_mel as ref
y = np.fromfile(sys.argv[2], "<f4")
ts = []
for _ in range(7):
    t = time.perf_counter()
    ref.power_to_db(ref.melspectrogram(y))
    ts.append((time.perf_counter() - t) * 1e3)
print(f"numpy reference (float64): {sorted(ts)[3]:.1f} ms median of 7")
EOF

# --- mel-stats throughput -------------------------------------------------------
"$BIN/wav2mel" --batch -e f32 -o mels32 < <(head -n 50 list.tsv) > /dev/null
for set in mels mels32; do
	bytes=$(du -sb "$set" | cut -f1)
	: > ts.txt
	for r in 1 2 3 4 5; do
		t=$EPOCHREALTIME
		"$BIN/mel-stats" --hist hist.tsv -o stats.txt "$set"
		ms_since "$t" >> ts.txt
	done
	m=$(median < ts.txt)
	awk -v b="$bytes" -v m="$m" -v s="$set" -v n="$(ls "$set" | wc -l)" 'BEGIN {
		printf "mel-stats %s: %d files, %.1f MB in %.1f ms: %.0f MB/s\n",
		       (s == "mels" ? "u8" : "f32"), n, b / 1e6, m, b / 1e6 / (m / 1000) }'
done
