# kill -9 midway, then a rerun: no partial MP3 under its final name, no torn
# failures line, every track ends fetched or listed as failed, and nothing
# that was complete is fetched or searched again.
set -eu
. "$TESTS/fake-deezer/lib.sh"
df=$BIN/deezer-fetch
n=30
fake_mp3 a.mp3 440 2
{
	printf '# deezer_id\tartist\ttitle\talbum\tduration\tmp3\n'
	for i in $(seq $n); do
		[ $((i % 6)) -eq 0 ] && continue        # every sixth track is not in the catalogue
		printf '%d\tArtist a%03d\tSong s%03d\tA\t30\ta.mp3\n' "$i" "$i" "$i"
	done
} >catalogue.tsv
for i in $(seq $n); do printf '%s\tArtist a%03d\tSong s%03d\n' "$(fake_tid "$i")" "$i" "$i"; done >tracks.tsv
fake_start catalogue.tsv --log req.log
run() { "$df" --api "$API" --cache cache --rate 10/1 tracks.tsv; }

"$df" --api "$API" --cache cache --rate 10/1 tracks.tsv >out1 2>err1 &
pid=$!                           # deezer-fetch itself, not a subshell
for _ in $(seq 200); do
	[ "$(grep -c $'\tpreview\t' req.log || true)" -ge 8 ] && break
	sleep 0.05
done
kill -9 $pid
wait $pid 2>/dev/null || true
n1=$(wc -l <req.log)
echo "killed after $n1 requests, $(wc -l <out1) lines out"
[ "$(wc -l <out1)" -ge 7 ]
[ "$(wc -l <out1)" -lt 25 ]
# every MP3 under its final name is complete; every output line names one
for f in cache/*.mp3; do cmp "$f" a.mp3; done
m1=$(ls cache/*.mp3 | wc -l)     # may be one more than the lines out: killed in between
awk -F'\t' 'NF != 2 { exit 1 }' out1
cut -f2 out1 | xargs -r ls >/dev/null
# the failures file has only whole lines (ending in a newline, 4 fields)
[ -z "$(tail -c 1 cache/failures.tsv)" ]
awk -F'\t' '!/^#/ && NF != 4 { exit 1 }' cache/failures.tsv
tail -n +2 cache/failures.tsv | cut -f1 | sort >failed1

t=$SECONDS
run >out2 2>err2
cat err2
# the killed process's rate-limit lane is freed at once (its pid is gone),
# not after the 31 s a request could last
[ $((SECONDS - t)) -lt 15 ]
# every track: fetched (either run) or listed as failed
cat out1 out2 | cut -f1 | sort -u >fetched
[ "$(cat fetched | wc -l)" -eq 25 ]
tail -n +2 cache/failures.tsv | cut -f1 | sort -u >failed
[ "$(wc -l <failed)" -eq 5 ]
sort -u fetched failed | diff -u <(cut -f1 tracks.tsv | sort) -
if grep -Fxf fetched failed; then exit 1; fi
# nothing complete in run 1 was downloaded or searched again in run 2
tail -n +$((n1 + 1)) req.log >req2.log
for id in $(cut -f1 out1) $(cat failed1); do
	i=$((10#${id#Tk}))
	if grep -q "$(printf 'Artist a%03d' $i)" req2.log; then exit 1; fi
	if grep -q "/preview/$i\.mp3" req2.log; then exit 1; fi
done
# at most the one track in flight at the kill is downloaded twice
"$PYTHON" "$TESTS/fake-deezer/logstats.py" req.log --kind preview | grep -qE '^per_id_max [12]$'
[ "$(grep -c $'\tpreview\t' req.log)" -le 26 ]
grep -q " $m1 cached" err2
echo ok
