# wav2mel --batch: good and bad files mixed; one ffmpeg per group, not per
# file; bad files reported one by one while the rest go on; --delete-input;
# a partial group decoded when input pauses.
set -eu
W=$BIN/wav2mel
MS=$BIN/mel-stats

mp3() {
	ffmpeg -hide_banner -nostdin -v error -y -f lavfi -i "$2" -ac 2 -b:a 128k "$1"
}
# counts ffmpeg start-ups
cat > ffmpeg-count <<'EOF'
#!/bin/sh
echo run >> "$(dirname "$0")/spawns.log"
exec ffmpeg "$@"
EOF
chmod +x ffmpeg-count
spawns() { if [ -f spawns.log ]; then wc -l < spawns.log; else echo 0; fi; }

mkdir in
n=8
for i in $(seq 1 $n); do
	mp3 in/g$i.mp3 "sine=f=$((200 * i)):d=$((1 + i % 3))"
done

# --- eight good files, group 8: one ffmpeg, and the same bytes as one by one
for i in $(seq 1 $n); do printf 'id%d\tin/g%d.mp3\n' "$i" "$i"; done > good.tsv
$W --batch -o out -g 8 --ffmpeg "$PWD/ffmpeg-count" < good.tsv > listed.tsv
[ "$(spawns)" -eq 1 ]
[ "$(wc -l < listed.tsv)" -eq $n ]
for i in $(seq 1 $n); do
	grep -qx "id$i	out/id$i.mel" listed.tsv
	$W in/g$i.mp3 single$i.mel
	cmp single$i.mel out/id$i.mel
done
$MS info out/id3.mel | grep -qx 'frames: 44'     # 1 s: 22050/512 + 1
rm -f spawns.log
# several lanes at once, small groups: the same files, four ffmpeg runs
$W --batch -o lanes -j 3 -g 2 --ffmpeg "$PWD/ffmpeg-count" < good.tsv > lanes.tsv
[ "$(spawns)" -eq 4 ]
[ "$(sort lanes.tsv | cut -f1)" = "$(sort listed.tsv | cut -f1)" ]
for i in $(seq 1 $n); do cmp out/id$i.mel lanes/id$i.mel; done
rm -f spawns.log

# --- mixed: good files with every kind of bad line ---------------------------
: > in/empty.mp3
printf 'garbage that is not audio\n%.0s' $(seq 40) > in/garbage.mp3
ffmpeg -hide_banner -nostdin -v error -y -f lavfi -i "color=c=red:s=16x16:d=1" \
	-frames:v 1 in/picture.png
ffmpeg -hide_banner -nostdin -v error -y -f lavfi -i "anullsrc=r=22050:cl=mono" -t 1 \
	in/silence.wav
{
	printf '# comment lines and blank lines are skipped\n\n'
	printf 'id1\tin/g1.mp3\n'
	printf 'missing\tin/missing.mp3\n'
	printf 'id2\tin/g2.mp3\n'
	printf 'empty\tin/empty.mp3\n'
	printf 'id3\tin/g3.mp3\n'
	printf 'garbage\tin/garbage.mp3\n'
	printf 'id4\tin/g4.mp3\textra\tfields\n'
	printf '../evil\tin/g5.mp3\n'
	printf 'notab in/g5.mp3\n'
	printf 'picture\tin/picture.png\n'
	printf 'id5\tin/g5.mp3\n'
	printf 'silence\tin/silence.wav\n'
	printf 'id6\tin/g6.mp3\n'
	printf 'stdin\t-\n'
	printf 'id7\tin/g7.mp3'               # last line without newline
} > mixed.tsv
rc=0
$W --batch -o mixed -g 4 --ffmpeg "$PWD/ffmpeg-count" < mixed.tsv > listed.tsv 2> err.txt || rc=$?
cat err.txt
[ $rc -eq 1 ]
for i in 1 2 3 4 5 6 7; do
	cmp single$i.mel mixed/id$i.mel
	grep -qx "id$i	mixed/id$i.mel" listed.tsv
done
[ "$(wc -l < listed.tsv)" -eq 7 ]
[ "$(ls mixed | wc -l)" -eq 7 ]                 # nothing else, no temporaries
grep -q 'in/missing.mp3: cannot open: No such file' err.txt
grep -q 'in/empty.mp3: expected an audio file, found an empty file' err.txt
grep -q 'in/garbage.mp3: cannot decode' err.txt
grep -q 'in/picture.png: cannot decode' err.txt
grep -q 'in/silence.wav: silent input' err.txt
grep -q "stdin:10: expected an id of .*, found '../evil'; line skipped" err.txt
grep -q "stdin:11: expected 'id<TAB>path', found no tab; line skipped" err.txt
grep -q 'stdin:16: stdin: expected an input path, found none; line skipped' err.txt
grep -q '7 converted, 8 failed' err.txt
# each failure reported once, though a failed group is decoded again
[ "$(wc -l < err.txt)" -eq 9 ]
[ "$(grep -c 'silence.wav' err.txt)" -eq 1 ]
[ ! -e evil.mel ] && [ ! -e mixed/evil.mel ] || exit 1
# bad files cost extra start-ups, good ones still share: far fewer than one
# per file (7 good + 3 undecodable files reached ffmpeg)
echo "spawns: $(spawns)"
[ "$(spawns)" -le 9 ]

# --- --delete-input removes only what was converted --------------------------
mkdir del
cp in/g1.mp3 in/g2.mp3 in/garbage.mp3 del/
printf 'a\tdel/g1.mp3\nb\tdel/garbage.mp3\nc\tdel/g2.mp3\n' > del.tsv
rc=0
$W --batch -o delout --delete-input < del.tsv > /dev/null 2> err.txt || rc=$?
[ $rc -eq 1 ]
[ ! -e del/g1.mp3 ] && [ ! -e del/g2.mp3 ] && [ -e del/garbage.mp3 ] || exit 1
[ -f delout/a.mel ] && [ -f delout/c.mel ] && [ ! -e delout/b.mel ] || exit 1

# --- all good: exit 0, nothing on stderr -------------------------------------
printf 'x\tin/g1.mp3\n' | $W --batch -o ok > /dev/null 2> err.txt
[ ! -s err.txt ]
# ffmpeg missing: one clear message, exit 1
rc=0
printf 'x\tin/g1.mp3\n' | $W --batch -o nf --ffmpeg /nonexistent/ffmpeg 2> err.txt || rc=$?
[ $rc -eq 1 ] && grep -q 'cannot run /nonexistent/ffmpeg' err.txt

# --- a partial group is decoded once input pauses (--wait) -------------------
mkfifo feed
$W --batch -o slow --wait 0.2 < feed > slow.tsv &
pid=$!
exec 3> feed
printf 's1\tin/g1.mp3\n' >&3
for _ in $(seq 100); do [ -f slow/s1.mel ] && break; sleep 0.1; done
[ -f slow/s1.mel ]                  # written while the batch is still open
printf 's2\tin/g2.mp3\n' >&3
exec 3>&-
wait $pid
[ -f slow/s2.mel ]
[ "$(wc -l < slow.tsv)" -eq 2 ]
echo ok
