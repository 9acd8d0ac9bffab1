# deezer-fetch against the fake server: options, the happy path (match
# selection, the plain-text fallback, accents, quotes, backslashes, URL
# encoding, unicode), the failures file, reruns, --skip-existing,
# --retry-failed, DEEZER_API, connection reuse.
set -eu
. "$TESTS/fake-deezer/lib.sh"
fx=$TESTS/fixtures/deezer
df=$BIN/deezer-fetch

# --- options ---
$df --help | grep -q '^usage: deezer-fetch'
$df --version | grep -q '^deezer-fetch (dcue)'
for bad in "--rate 5" "--rate 0/5" "--rate x/y" "--api ftp://x" "--retries -1" "--bogus" \
	"--timeout 0"; do
	rc=0
	# shellcheck disable=SC2086
	$df $bad </dev/null >/dev/null 2>err || rc=$?
	[ "$rc" -eq 2 ] || { echo "'$bad' gave exit $rc, want 2"; exit 1; }
	grep -q "deezer-fetch: " err
done
# a URL without a host (it was cut to "http:" and accepted; fuzz/regress/argv)
for bad in "http://" "http:///" "https:///x"; do
	rc=0; $df --api "$bad" </dev/null >/dev/null 2>err || rc=$?
	[ "$rc" -eq 2 ] || { echo "--api '$bad' gave exit $rc, want 2"; exit 1; }
	grep -q "expected an http:// or https:// URL, got '$bad'" err
done
rc=0; $df --cache c no-such-file.tsv 2>err || rc=$?
[ "$rc" -eq 1 ]
grep -q 'no-such-file.tsv' err

# --- fixtures ---
cp "$fx/catalogue.tsv" .
fake_mp3 a.mp3 440
fake_mp3 b.mp3 660
fake_mp3 c.mp3 880
fake_start catalogue.tsv --log req.log
stats() { "$PYTHON" -c 'import json, sys, urllib.request
print(json.load(urllib.request.urlopen(sys.argv[1] + "/_stats"))[sys.argv[2]])' "$API" "$1"; }
searches() { grep -c $'\tsearch\t' req.log || true; }
previews() { grep -c $'\tpreview\t' req.log || true; }

# --- the happy path ---
rc=0
$df --api "$API" --cache cache --rate 50/1 "$fx/tracks.tsv" >out 2>err || rc=$?
cat err
[ "$rc" -eq 0 ]                  # not_found and no_preview are not errors
grep -v '_' "$fx/expected.tsv" | awk -F'\t' '{ print $1 "\tcache/" $1 ".mp3" }' >want.out
diff -u want.out out
while IFS=$'\t' read -r id src; do
	case $src in
	*.mp3) cmp "cache/$id.mp3" "$src" ;;
	*) [ ! -e "cache/$id.mp3" ] ;;
	esac
done <"$fx/expected.tsv"
grep '_' "$fx/expected.tsv" >want.fail
tail -n +2 cache/failures.tsv | cut -f1,2 | diff -u want.fail -
head -n 1 cache/failures.tsv | grep -qx $'# track_id\treason\tmessage\ttime'
grep -q $'^Tk00000000000000000008\tnot_found\tno result for artist:"Nobody" track:"Nothing At All" nor for Nobody Nothing At All\t20[0-9-]*T[0-9:]*Z$' cache/failures.tsv
grep -q '11 tracks: 9 fetched, 0 cached, .* 1 not found, 1 no preview, 0 failed; 15 API requests' err
# 11 strict queries + 4 plain fallbacks (Garfunkel, Nobody, AC\DC, "Weird"); 9 previews
[ "$(searches)" -eq 15 ]
[ "$(previews)" -eq 9 ]
grep -q $'\t/search?q=What\'s Up? #1 & Co + 100%"\t' req.log || grep -q 'What.s Up? #1 & Co + 100%' req.log
# one connection for the whole run (+1 for the stats request itself)
[ "$(stats connections)" -eq 2 ]
grep -q ' 1 connections' err

# --- rerun: everything cached or listed, no request at all ---
$df --api "$API" --cache cache --rate 50/1 <"$fx/tracks.tsv" >out2 2>err2
diff -u out out2
[ "$(searches)" -eq 15 ]
[ "$(previews)" -eq 9 ]
grep -q '9 cached, 0 skipped (.mel exists), 2 skipped (listed failure)' err2

# --- --skip-existing: a .mel present means no output for that track ---
mkdir mels
echo x >mels/Tk00000000000000000001.mel
$df --api "$API" --cache cache --rate 50/1 --skip-existing mels - <"$fx/tracks.tsv" >out3
grep -v Tk00000000000000000001 out >want3
diff -u want3 out3

# --- --retry-failed: the two listed tracks are tried again (1 + 2 searches) ---
DEEZER_API=$API $df --cache cache --rate 50/1 --retry-failed "$fx/tracks.tsv" >out4 2>err4
diff -u out out4
[ "$(searches)" -eq 18 ]
[ "$(previews)" -eq 9 ]
[ "$(grep -c not_found cache/failures.tsv)" -eq 2 ]

# --- a separate failures file and state folder ---
$df --api "$API" --cache cache2 --state st --failures fail.tsv --rate 50/1 \
	"$fx/tracks.tsv" >/dev/null 2>&1
[ -s st/ratelimit.state ]
[ ! -e cache2/ratelimit.state ]
[ "$(tail -n +2 fail.tsv | wc -l)" -eq 2 ]
[ ! -e cache2/failures.tsv ]

# --- progress: drawn only when stderr is a terminal ---
if grep -q '\[#' err; then exit 1; fi
if command -v script >/dev/null; then
	before=$(searches)
	script -qec "$df --api $API --cache cache-tty --rate 50/1 $fx/tracks.tsv >/dev/null" tty.log \
		>/dev/null
	grep -q 'deezer-fetch \[#*\] 11/11 .* found 9 failed 2 api ' tty.log
	[ "$(searches)" -eq $((before + 15)) ]
fi

# --- an unreachable API: network failures, exit 1, bounded retries ---
fake_stop
rc=0
$df --api "$API" --cache cache3 --rate 50/1 --retries 2 --backoff 0.01 "$fx/tracks.tsv" \
	>out5 2>err5 || rc=$?
[ "$rc" -eq 1 ]
[ ! -s out5 ]
[ "$(tail -n +2 cache3/failures.tsv | cut -f2 | sort -u)" = network ]
grep -q ' 33 API requests' err5              # 11 tracks x 3 attempts
echo ok
