# deezer-fetch under every fault the fake server injects: each is retried
# (quota/busy after a window, 429/5xx/timeouts/resets/torn or invalid
# bodies with backoff) or classified (not_found, bad_response, too_large,
# http_NNN), retries are bounded, and reruns retry only transient failures.
set -eu
. "$TESTS/fake-deezer/lib.sh"
df=$BIN/deezer-fetch
fake_mp3 a.mp3 440

# One catalogue track per fault; the fault targets it by artist (searches)
# or by preview path (downloads).
names="qonce qalways busyonce nodata badquery hcode429 hcode500 hcode503 slowonce trunc
	bjonce bjalways resetonce bigjson pnotaudio pbig p500once presetonce ptrunc clean"
{
	printf '# deezer_id\tartist\ttitle\talbum\tduration\tmp3\n'
	printf '# track_id\tartist\ttitle\n' >tracks.tsv
	i=0
	for a in $names; do
		i=$((i + 1))
		printf '%d\t%s\tSong\tAlbum\t30\ta.mp3\n' "$i" "$a"
		printf '%s\t%s\tSong\n' "$(fake_tid $i)" "$a" >>tracks.tsv
	done
} >catalogue.tsv
id() { fake_tid "$(echo $names | tr ' ' '\n' | grep -nx "$1" | cut -d: -f1)"; }
faults="quota:n=2:match=qonce,quota:match=qalways,busy:n=1:match=busyonce"
faults="$faults,nodata:match=nodata,badquery:match=badquery"
faults="$faults,http429:n=2:on=search:match=hcode429,http500:n=1:on=search:match=hcode500"
faults="$faults,http503:on=search:match=hcode503,slow:n=1:delay=2.5:on=search:match=slowonce"
faults="$faults,truncate:n=1:on=search:match=trunc,badjson:n=1:match=bjonce"
faults="$faults,badjson:match=bjalways,reset:n=1:on=search:match=resetonce"
faults="$faults,oversize:on=search:size=3000000:match=bigjson"
faults="$faults,notaudio:match=/preview/15.mp3,oversize:on=preview:match=/preview/16.mp3"
faults="$faults,http500:n=1:on=preview:match=/preview/17.mp3"
faults="$faults,reset:n=1:on=preview:match=/preview/18.mp3"
faults="$faults,truncate:n=1:on=preview:match=/preview/19.mp3"
fake_start catalogue.tsv --log req.log --faults "$faults"

run() {
	$df --api "$API" --cache cache --rate 50/0.5 --retries 3 --backoff 0.02 --timeout 1 \
		--max-mp3 100000 "$@"
}
rc=0
run tracks.tsv >out 2>err || rc=$?
cat err
[ "$rc" -eq 1 ]                       # some failures are not not_found/no_preview
reason() { awk -F'\t' -v id="$(id "$1")" '$1 == id { r = $2 } END { print r }' cache/failures.tsv; }
searches_for() { grep -c $'\tsearch\t/search?q=artist:"'"$1"'"' req.log || true; }
ok() { grep -q "^$(id "$1")	cache/$(id "$1").mp3\$" out && cmp -s "cache/$(id "$1").mp3" a.mp3; }

for n in qonce busyonce hcode429 hcode500 slowonce trunc bjonce resetonce p500once presetonce \
	ptrunc clean; do
	ok "$n" || { echo "$n: not fetched"; exit 1; }
done
[ "$(reason qalways)" = quota ]
[ "$(reason nodata)" = not_found ]
[ "$(reason badquery)" = bad_response ]
[ "$(reason hcode503)" = http_503 ]
[ "$(reason bjalways)" = bad_response ]
[ "$(reason bigjson)" = too_large ]
[ "$(reason pnotaudio)" = bad_response ]
[ "$(reason pbig)" = too_large ]
grep -q 'API error 4: Quota limit exceeded' cache/failures.tsv
grep -q 'preview is not an MP3' cache/failures.tsv
# nothing partial under a final name, nothing for the failed ones
[ "$(ls cache/*.mp3 | wc -l)" -eq 12 ]
# retries are bounded: 1 + --retries attempts, no fallback query after a quota error
[ "$(searches_for qalways)" -eq 4 ]
[ "$(searches_for hcode503)" -eq 4 ]
[ "$(searches_for qonce)" -eq 3 ]
[ "$(searches_for badquery)" -eq 1 ]  # a request problem is not retried
[ "$(searches_for bigjson)" -eq 1 ]
# "no data" (800) falls back to the plain query once, which also says no data
[ "$(grep -c 'q=nodata Song' req.log)" -eq 1 ]
# a quota error waits out the window (0.5 s) before retrying
"$PYTHON" - req.log <<'PY'
import sys
t = [float(l.split("\t")[0]) for l in open(sys.argv[1]) if 'artist:"qonce"' in l]
assert len(t) == 3 and min(b - a for a, b in zip(t, t[1:])) >= 0.5, t
# HTTP 429 carries Retry-After: 1, which outweighs the 0.02 s backoff
t = [float(l.split("\t")[0]) for l in open(sys.argv[1]) if 'artist:"hcode429"' in l]
assert len(t) == 3 and min(b - a for a, b in zip(t, t[1:])) >= 0.95, t
PY
grep -q '7 failed' err

# A rerun retries the transient failures (quota, http_503, bad_response)
# but not the permanent ones (not_found, too_large).
fake_stop
mv req.log req1.log
fake_start catalogue.tsv --log req.log
run tracks.tsv >out2 2>err2
cat err2
for n in qalways hcode503 badquery bjalways pnotaudio; do
	grep -q "^$(id $n)	" out2 || { echo "$n: not retried"; exit 1; }
done
for n in nodata bigjson pbig; do
	if grep -q "^$(id $n)	" out2; then exit 1; fi
done
grep -q '12 cached, .* 3 skipped (listed failure)' err2
# the cached ones were not fetched again
[ "$(grep -c $'\tpreview\t' req.log)" -eq 5 ]
echo ok
