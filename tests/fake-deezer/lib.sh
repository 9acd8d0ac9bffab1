# tests/fake-deezer/lib.sh — sourced by the deezer-fetch tests and benchmark.
#
#   fake_mp3 OUT FREQ [SECONDS]     a small mono MP3 (ffmpeg sine)
#   fake_start CATALOGUE [ARGS...]  starts server.py; sets FAKE_PID, FAKE_PORT, API
#   fake_stop                       stops it (SIGTERM), waits for it
#   fake_tid N                      a valid 22-character track id for N
# Needs PYTHON and TESTS (or ROOT) in the environment.
: "${TESTS:=${ROOT:?}/tests}"

fake_mp3() {
	ffmpeg -nostdin -loglevel error -y -f lavfi -i "sine=frequency=$2:duration=${3:-1}" \
		-ac 1 -ar 22050 -b:a 32k "$1"
}

fake_tid() {
	printf 'Tk%020d' "$1"
}

fake_start() {
	local cat=$1 i
	shift
	fake_stop
	rm -f fake.port
	"$PYTHON" "$TESTS/fake-deezer/server.py" --catalogue "$cat" --port-file fake.port "$@" \
		2>>fake.err &
	FAKE_PID=$!
	for i in $(seq 200); do
		[ -s fake.port ] && break
		kill -0 "$FAKE_PID" 2>/dev/null || break
		sleep 0.05
	done
	if [ ! -s fake.port ]; then
		cat fake.err >&2
		echo "fake Deezer server did not start" >&2
		return 1
	fi
	FAKE_PORT=$(cat fake.port)
	API=http://127.0.0.1:$FAKE_PORT
	trap fake_stop EXIT
}

fake_stop() {
	if [ -n "${FAKE_PID:-}" ]; then
		kill "$FAKE_PID" 2>/dev/null || true
		wait "$FAKE_PID" 2>/dev/null || true
		FAKE_PID=
	fi
}
