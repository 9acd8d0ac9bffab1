#!/bin/bash
# bench_deezer.sh — deezer-fetch against the fake Deezer server.
#
#  1. Budget lifted (--rate none): searches per second with one kept-alive
#     connection vs a new connection per request (--no-keepalive), run
#     alternately, ROUNDS times each; medians and their ratio.
#  2. Default budget (50 per 5 s): 8 parallel processes (xargs -P 8 over
#     chunks of one list, one shared cache/state) for about 60 s; the
#     sustained API request rate as a fraction of the budget, and the most
#     requests the server saw in any 5-second window (sliding, from its log;
#     and its fixed windows).
#
# Env: BIN, PYTHON, ROOT (set by bench/run.sh); ROUNDS (default 5), N
# (searches per round, default 400), SECONDS_60 (default 60).
set -eu -o pipefail
: "${BIN:?}" "${PYTHON:=/usr/bin/python3}" "${ROOT:?}"
TESTS=$ROOT/tests
rounds=${ROUNDS:-5}
n=${N:-400}
long=${SECONDS_60:-60}
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-deezer.XXXXXX")
trap 'fake_stop; rm -rf "$work"' EXIT
cd "$work"
. "$TESTS/fake-deezer/lib.sh"
df=$BIN/deezer-fetch

# Tracks found by the strict query but without a preview: exactly one API
# request each, nothing downloaded, so the figure is the search path alone.
total=$(( n > 700 ? n : 700 ))
{
	printf '# deezer_id\tartist\ttitle\talbum\tduration\tmp3\n'
	for i in $(seq "$total"); do printf '%d\tArtist a%04d\tSong s%04d\tA\t30\t\n' "$i" "$i" "$i"; done
} >catalogue.tsv
for i in $(seq "$total"); do printf '%s\tArtist a%04d\tSong s%04d\n' "$(fake_tid "$i")" "$i" "$i"; done >all.tsv
head -n "$n" all.tsv >some.tsv
fake_start catalogue.tsv

one_run() {             # label, extra options → seconds
	local dir=c.$1.$RANDOM s e
	s=$(date +%s.%N)
	"$df" --api "$API" --cache "$dir" --rate none "${@:2}" some.tsv >/dev/null 2>"$dir.err"
	e=$(date +%s.%N)
	grep -q "$n API requests" "$dir.err" || { cat "$dir.err" >&2; exit 1; }
	rm -rf "$dir" "$dir.err"
	awk -v a="$s" -v b="$e" 'BEGIN { printf "%.4f\n", b - a }'
}
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

compare() {             # label
	one_run warm >/dev/null                # warm the server and the page cache
	: >reuse.t
	: >fresh.t
	for _ in $(seq "$rounds"); do
		one_run reuse >>reuse.t
		one_run fresh --no-keepalive >>fresh.t
	done
	awk -v n="$n" -v a="$(median <reuse.t)" -v b="$(median <fresh.t)" -v r="$rounds" -v l="$1" 'BEGIN {
		printf "searches/s, budget lifted, %s, %d searches x %d rounds (medians):\n", l, n, r
		printf "  kept-alive connection:      %7.1f/s  (%.3f s)\n", n / a, a
		printf "  new connection per request: %7.1f/s  (%.3f s)\n", n / b, b
		printf "  ratio keep-alive / new:     %7.2f\n", b / a
	}'
}
compare "loopback"
# The same with 20 ms stalled on every new connection, standing in for the
# TCP + TLS handshakes (2-3 round trips) a real client pays per connection.
fake_stop
fake_start catalogue.tsv --connect-delay 0.02
compare "20 ms per new connection"

# --- the default budget, 8 processes, ~60 s ---
fake_stop
fake_start catalogue.tsv --log req.log --window 5 --quota 50/5
# enough requests for `long` seconds at 50 per 5.05 s, plus the first burst
m=$(awk -v s="$long" 'BEGIN { printf "%d", 50 + int(s / 5.05 + 0.999) * 50 }')
[ "$m" -le "$total" ] || m=$total
head -n "$m" all.tsv >long.tsv
split -n l/8 long.tsv chunk.
start=$(date +%s.%N)
ls chunk.* | xargs -P 8 -n 1 "$df" --api "$API" --cache shared >/dev/null 2>long.err
end=$(date +%s.%N)
if grep -q quota-enforced req.log; then q=yes; else q=no; fi
"$PYTHON" "$TESTS/fake-deezer/logstats.py" req.log --window 5 >long.stats
"$PYTHON" - "$API" long.stats "$start" "$end" "$q" <<'PY'
import json, sys, urllib.request
api, statsf, start, end, q = sys.argv[1:]
st = dict(l.split() for l in open(statsf))
req, span, mx = int(st["requests"]), float(st["span"]), int(st["max_window"])
srv = json.load(urllib.request.urlopen(api + "/_stats"))
sustained = (req - 50) / span if span > 0 else 0.0
print("default budget 50/5 s, 8 processes (xargs -P 8), %d searches in %.1f s wall:" % (
      req, float(end) - float(start)))
print("  sustained rate after the first burst: %.2f/s = %.3f of the budget (10/s)" % (
      sustained, sustained / 10))
print("  most requests in any 5 s window: %d sliding (log), %d fixed (server); budget 50" % (
      mx, srv["max_per_window"]))
print("  quota errors from a server enforcing 50/5 s: %s" % q)
PY
