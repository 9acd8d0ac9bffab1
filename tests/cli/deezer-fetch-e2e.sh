# End to end through wav2mel's batch mode: deezer-fetch | wav2mel --batch
# --delete-input, the same split over xargs -P 4, a rerun with
# --skip-existing, and a kill -9 of deezer-fetch midway through the pipe
# followed by a rerun.
set -eu -o pipefail
if [ ! -x "$BIN/wav2mel" ]; then
	echo "SKIP: $BIN/wav2mel is not built (tools/wav2mel); end-to-end test not run"
	exit 0
fi
. "$TESTS/fake-deezer/lib.sh"
df=$BIN/deezer-fetch
w2m=$BIN/wav2mel
fake_mp3 a.mp3 440 3
fake_mp3 b.mp3 1000 3
"$w2m" a.mp3 a.mel
"$w2m" b.mp3 b.mel
n=12
{
	printf '# deezer_id\tartist\ttitle\talbum\tduration\tmp3\n'
	for i in $(seq $n); do
		[ $((i % 5)) -eq 0 ] && continue       # 5 and 10 are not in the catalogue
		printf '%d\tArtist a%03d\tSong s%03d\tA\t30\t%s.mp3\n' "$i" "$i" "$i" \
			"$([ $((i % 2)) -eq 0 ] && echo b || echo a)"
	done
} >catalogue.tsv
{
	printf '# track_id\tartist\ttitle\talbum\tduration_ms\tcount\tname\n'
	for i in $(seq $n); do
		printf '%s\tArtist a%03d\tSong s%03d\tAlbum\t30000\t1\tSong\n' "$(fake_tid "$i")" "$i" "$i"
	done
} >tracks.tsv
fake_start catalogue.tsv --log req.log
check_mels() {          # DIR: every found track converted from the right preview
	local dir=$1 i id
	for i in $(seq $n); do
		id=$(fake_tid "$i")
		if [ $((i % 5)) -eq 0 ]; then
			[ ! -e "$dir/$id.mel" ]
		elif [ $((i % 2)) -eq 0 ]; then
			cmp "$dir/$id.mel" b.mel
		else
			cmp "$dir/$id.mel" a.mel
		fi
	done
}

# --- the documented pipeline ---
cut -f1-3 tracks.tsv | "$df" --api "$API" --cache cache --rate 50/1 |
	"$w2m" --batch --delete-input -o mels >conv.out
check_mels mels
[ "$(wc -l <conv.out)" -eq 10 ]
[ -z "$(ls cache | grep '\.mp3$' || true)" ]               # deleted once converted
[ "$(tail -n +2 cache/failures.tsv | cut -f2 | sort -u)" = not_found ]

# --- rerun with --skip-existing: nothing fetched, nothing converted ---
before=$(wc -l <req.log)
cut -f1-3 tracks.tsv | "$df" --api "$API" --cache cache --rate 50/1 --skip-existing mels |
	"$w2m" --batch --delete-input -o mels >conv2.out
[ ! -s conv2.out ]
[ "$(wc -l <req.log)" -eq "$before" ]

# --- chunks over xargs -P 4 sharing one cache ---
tail -n +2 tracks.tsv >body.tsv && split -n l/4 body.tsv chunk.
ls chunk.* | xargs -P 4 -n 1 "$df" --api "$API" --cache cache2 --rate 50/1 |
	"$w2m" --batch --delete-input -o mels2 >conv3.out
check_mels mels2
[ "$(wc -l <conv3.out)" -eq 10 ]

# --- kill -9 of deezer-fetch midway through the pipe, then a rerun ---
mkfifo pipe
"$w2m" --batch --delete-input -o mels3 <pipe >conv4.out &
wpid=$!
before=$(wc -l <req.log)
"$df" --api "$API" --cache cache3 --rate 4/1 tracks.tsv >pipe 2>err4 &
dpid=$!
for _ in $(seq 200); do
	[ "$(tail -n +$((before + 1)) req.log | grep -c $'\tpreview\t' || true)" -ge 5 ] && break
	sleep 0.05
done
kill -9 $dpid
wait $dpid 2>/dev/null || true
wait $wpid
[ "$(wc -l <conv4.out)" -ge 4 ]
[ "$(wc -l <conv4.out)" -lt 10 ]
cut -f1-3 tracks.tsv | "$df" --api "$API" --cache cache3 --rate 50/1 --skip-existing mels3 |
	"$w2m" --batch --delete-input -o mels3 >conv5.out
check_mels mels3
cat conv4.out conv5.out | cut -f1 | sort | uniq -d | grep -q . && exit 1   # none converted twice
[ -z "$(ls cache3 | grep '\.mp3$' || true)" ]
echo ok
