# Hostile input: ids that try to escape the cache (../, /, too short, NUL-ish
# bytes), quotes, backslashes, control characters and unicode in names, a
# 10 MB line, empty and blank lines, CRLF endings, missing fields,
# duplicates, and a hostile server (preview URL to another scheme).
set -eu
. "$TESTS/fake-deezer/lib.sh"
df=$BIN/deezer-fetch
fake_mp3 a.mp3 440
{
	printf '# deezer_id\tartist\ttitle\talbum\tduration\tmp3\n'
	printf '1\tQuote "Man"\tSay \\"Hi\\"\tA\t30\ta.mp3\n'
	printf '2\tДДТ\tЧто такое осень\tA\t30\ta.mp3\n'
	printf '3\tPlain\tSong\tA\t30\ta.mp3\n'
	printf '4\tEmoji 🎵\tNote ♪\tA\t30\ta.mp3\n'
} >catalogue.tsv
fake_start catalogue.tsv --log req.log

mkdir sub
{
	printf '../../sub/evil\tPlain\tSong\n'
	printf 'Tk0000000000000000/../x\tPlain\tSong\n'
	printf '../Tk000000000000000001\tPlain\tSong\n'
	printf 'short\tPlain\tSong\n'
	printf '\n'
	printf '   \n'
	printf 'Tk00000000000000000001\tQuote "Man"\tSay \\"Hi\\"\r\n'
	printf 'Tk00000000000000000002\tДДТ\tЧто такое осень\n'
	printf 'Tk00000000000000000003\tonly two fields\n'
	printf 'Tk00000000000000000004\tEmoji 🎵\tNote ♪\textra\tcolumns\n'
	printf 'Tk00000000000000000005\t'
	head -c 10000000 /dev/zero | tr '\0' 'x'
	printf '\tSong\n'
	printf 'Tk00000000000000000006\tPlain\tSong\n'
	printf 'Tk00000000000000000006\tPlain\tSong\n'
	printf 'Tk00000000000000000007\t\t\n'
} >tracks.tsv

rc=0
$df --api "$API" --cache cache --rate 50/1 tracks.tsv >out 2>err || rc=$?
cat err
[ "$rc" -eq 1 ]                          # invalid ids and malformed lines are failures
printf '%s\n' Tk00000000000000000001 Tk00000000000000000002 Tk00000000000000000004 \
	Tk00000000000000000006 | awk '{ print $1 "\tcache/" $1 ".mp3" }' >want
diff -u want out
for i in 1 2 4 6; do cmp "cache/Tk0000000000000000000$i.mp3" a.mp3; done
# nothing escaped the cache, nothing named after a bad id
[ -z "$(ls sub)" ]
[ ! -e evil ]
[ ! -e x ]
[ ! -e ../x ]
[ "$(ls cache | grep -vc '^Tk0000000000000000000[1246]\.mp3$')" -eq 2 ]  # failures, state
[ "$(grep -c $'\tinvalid_id\t' cache/failures.tsv)" -eq 4 ]
grep -q 'tracks.tsv:1: invalid track id' err
grep -q 'tracks.tsv:9: expected track_id<TAB>artist<TAB>title' err
grep -q 'tracks.tsv:11: expected a line of at most 65536 bytes, found a longer one; line skipped' err
grep -q '2 malformed input lines' err
# the duplicate is fetched once; an empty artist and title is searched as is
[ "$(grep -c 'q=artist:"Plain" track:"Song"' req.log)" -eq 1 ]
grep -q $'^Tk00000000000000000007\tnot_found\t' cache/failures.tsv
# the quotes and backslashes became spaces in the strict query, which then
# failed and fell back to the plain one; the unicode names were URL-encoded
grep -q 'q=artist:"Quote  Man " track:"Say   Hi  "' req.log
grep -q 'q=artist:"ДДТ" track:"Что такое осень"' req.log
# every failures line has 4 fields
awk -F'\t' '!/^#/ && NF != 4 { bad = 1 } END { exit bad }' cache/failures.tsv

# A hostile server: a preview URL with another scheme is never fetched.
fake_stop
cat >evil.py <<'PY'
import http.server, json, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path.startswith("/redir") or self.path.startswith("/loop"):
            self.send_response(302)
            self.send_header("Location", "file:///etc/passwd" if self.path.startswith("/redir")
                             else "/loop")
            self.send_header("Content-Length", "0"); self.end_headers(); return
        if "search" in self.path:
            body = json.dumps({"data": [{"id": 1, "title": "Song", "artist": {"name": "Plain"},
                               "preview": sys.argv[2].replace("PORT", str(port))}],
                               "total": 1}).encode()
        else:
            body = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\x00" * 100
        self.send_response(200); self.send_header("Content-Length", str(len(body)))
        self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
port = s.server_address[1]
open(sys.argv[1], "w").write(str(port))
s.serve_forever()
PY
for url in "file:///etc/passwd" "ftp://127.0.0.1/x.mp3" "gopher://x/" "http://x/a b"; do
	rm -f evil.port
	"$PYTHON" evil.py evil.port "$url" &
	pid=$!
	for _ in $(seq 100); do [ -s evil.port ] && break; sleep 0.05; done
	rc=0
	printf 'Tk00000000000000000009\tPlain\tSong\n' |
		$df --api "http://127.0.0.1:$(cat evil.port)" --cache evil --rate 50/1 --retries 0 >out 2>err || rc=$?
	kill $pid
	wait $pid 2>/dev/null || true
	[ "$rc" -eq 0 ]
	[ ! -s out ]  # no preview: not an error, nothing fetched
	grep -q $'^Tk00000000000000000009\tno_preview\t' evil/failures.tsv
	rm -rf evil
done
# A redirect to another scheme, or a redirect loop, is refused.
for path in redir loop; do
	rm -f evil.port
	"$PYTHON" evil.py evil.port "http://127.0.0.1:PORT/$path" &
	pid=$!
	for _ in $(seq 100); do [ -s evil.port ] && break; sleep 0.05; done
	port=$(cat evil.port)
	rc=0
	printf 'Tk00000000000000000009\tPlain\tSong\n' |
		$df --api "http://127.0.0.1:$port" --cache evil --rate 50/1 --retries 0 >out 2>err || rc=$?
	kill $pid
	wait $pid 2>/dev/null || true
	cat err
	[ "$rc" -eq 1 ]
	[ ! -s out ]
	[ ! -e evil/Tk00000000000000000009.mp3 ]
	grep -q $'^Tk00000000000000000009\tbad_response\tpreview URL refused' evil/failures.tsv
	rm -rf evil
done
# a cache folder whose name would break the "id<TAB>path" output lines
set +e
"$BIN/deezer-fetch" --cache "$(printf 'tab\there')" < /dev/null 2>err
rc=$?
set -e
[ $rc -eq 2 ] && grep -q -- '--cache: a folder name with a tab or newline' err
[ ! -e "$(printf 'tab\there')" ]
echo ok
