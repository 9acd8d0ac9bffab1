# examples/make-example.py stopped by SIGINT to its whole process group (as
# Ctrl-C or make's interrupt sends it) at several moments while its pool
# encodes: each time it exits promptly with status 130, leaving no scratch
# folder (.pcm.*) or unfinished encoding (.*.part.mp3) and every .mp3 whole;
# a scratch folder left by a killed run is removed by the next one, which
# then completes.  (A pool worker that died on SIGINT holding a queue lock
# used to hang the parent in Pool.terminate() forever.)
set -eu
opts="--tracks 40 --playlists 40 --slice 20 --seconds 4 --min-length 5 --max-length 12 --jobs 2 --seed 3"
start() {   # in its own process group, SIGINT restored (a background job ignores it)
	$PYTHON -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.setsid()
os.execvp(sys.argv[1], sys.argv[1:])' "$PYTHON" "$ROOT/examples/make-example.py" -o ex $opts \
		> gen.log 2>&1 &
	pid=$!
}
for delay in 0.3 0.6 0.9 1.2 1.5; do
	start
	# wait until the pool has started encoding (its scratch folders appear)
	for _ in $(seq 100); do
		ls -a ex/deezer/previews 2>/dev/null | grep -q '^\.pcm\.' && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	sleep "$delay"
	kill -INT -- -"$pid" 2>/dev/null || true
	for _ in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL -- -"$pid"
		echo "make-example.py still running 10 s after SIGINT (delay $delay)"; exit 1
	fi
	rc=0; wait "$pid" || rc=$?
	# 130: interrupted; 0: it had finished before the signal
	[ "$rc" = 130 ] || [ "$rc" = 0 ] || { echo "exit $rc after SIGINT"; cat gen.log; exit 1; }
	[ "$rc" = 0 ] || grep -q 'make-example.py: interrupted' gen.log || { cat gen.log; exit 1; }
	left=$(ls -a ex/deezer/previews | grep -c '^\.pcm\.\|\.part\.mp3$' || true)
	[ "$left" = 0 ] || { echo "$left leftovers after SIGINT at +$delay s"; exit 1; }
	for f in ex/deezer/previews/*.mp3; do
		[ -e "$f" ] || continue
		ffprobe -v error "$f" || { echo "$f is not whole"; exit 1; }
	done
	rm -rf ex
done
# a killed run's scratch folder is swept by the next run
start
for _ in $(seq 100); do
	ls -a ex/deezer/previews 2>/dev/null | grep -q '^\.pcm\.' && break
	sleep 0.05
done
kill -KILL -- -"$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
mkdir -p ex/deezer/previews/.pcm.stale && : > ex/deezer/previews/.1.mp3.part.mp3
"$PYTHON" "$ROOT/examples/make-example.py" -o ex $opts 2> gen.log
[ "$(ls -a ex/deezer/previews | grep -c '^\.pcm\.\|\.part\.mp3$' || true)" = 0 ] || exit 1
n=$(ls ex/deezer/previews/*.mp3 | wc -l)
[ "$n" -ge 30 ] || { echo "only $n previews"; exit 1; }
