# pipeline.mk on the tiny example, against the real tools and the fake
# Deezer server: a full run makes every stage's files; a second run does
# nothing; changing EPOCHS reruns only train, eval and the plots that show
# them; runs interrupted (SIGINT, like Ctrl-C, and SIGKILL, like a power
# loss) at several points finish, when rerun, with the same report as an
# uninterrupted run; the fake server never outlives a run.
set -eu
for t in mpd-parse deezer-fetch wav2mel mel-stats dcue-train dcue-plot; do
	if [ ! -x "$BIN/$t" ]; then
		echo "SKIP: $BIN/$t is not built yet; the pipeline test needs every tool"
		exit 0
	fi
done
export MAKEFLAGS=
run() {  # WORK, extra make arguments...
	local w=$1
	shift
	make --no-print-directory -f "$ROOT/pipeline.mk" all EXAMPLE=tiny WORK="$w" BIN="$BIN" \
	  BUILD_TOOLS=no JOBS=2 PYTHON="$PYTHON" "$@"
}
snapshot() {  # WORK: every file with its mtime (ns), sorted
	(cd "$1" && find . -type f -printf '%p %T@\n' | sort)
}
mtime() { stat -c %Y.%y "$1"; }
no_server() {  # no fake server of ours is left running
	if pgrep -f "server.py --catalogue $PWD/" > /dev/null; then
		echo "a fake Deezer server outlived the run:"; pgrep -af "server.py --catalogue $PWD/"; exit 1
	fi
}

# --- a whole run ---------------------------------------------------------------
run "$PWD/w" > run1.log 2>&1 || { cat run1.log; exit 1; }
for f in data/tracks.tsv data/playlists.bin mels.done mel-stats.txt mel-hist.tsv mpd-stats.txt \
         mpd-hist.tsv model.ckpt metrics.tsv eval.txt report.tsv per-playlist.tsv; do
	[ -s w/$f ] || { echo "missing w/$f"; cat run1.log; exit 1; }
done
for p in curves eval mel-hist mpd-stats mel-example; do
	[ "$(head -c 4 w/plots/$p.png | od -An -c | tr -d ' ')" = '211PNG' ] || { echo "bad w/plots/$p.png"; exit 1; }
done
grep -q '^auc warm dcue ' w/eval.txt && grep -q '^auc cold popularity ' w/eval.txt
grep -q 'pipeline.mk: done' run1.log
n_tracks=$(($(wc -l < w/data/tracks.tsv) - 1))
[ "$(ls w/mels | grep -c '\.mel$')" -eq "$n_tracks" ]      # every tiny track is in the catalogue
[ -z "$(ls -A w/cache | grep '\.mp3$' || true)" ]           # converted previews were deleted
no_server

# --- a second run does nothing ----------------------------------------------------
snapshot w > before.txt
sleep 0.05
run "$PWD/w" > run2.log 2>&1 || { cat run2.log; exit 1; }
snapshot w > after.txt
diff -u before.txt after.txt
# no tool ran (their command lines, not file names such as mel-stats.txt)
! grep -E '/(mpd-parse|deezer-fetch|wav2mel|mel-stats|dcue-train|dcue-plot) |make-example\.py' run2.log || exit 1

# --- a training variable reruns train, eval and their plots only --------------------
run "$PWD/w" EPOCHS=2 > run3.log 2>&1 || { cat run3.log; exit 1; }
snapshot w > after3.txt
changed=$(diff before.txt after3.txt | awk '/^>/ { print $2 }' | sort | tr '\n' ' ')
want='./.vars/train ./eval.txt ./metrics.tsv ./model.ckpt ./per-playlist.tsv ./plots/curves.png ./plots/eval.png ./report.tsv ./train/last.ckpt ./train/metrics.tsv '
[ "$changed" = "$want" ] || { echo "changed: $changed"; echo "wanted:  $want"; exit 1; }
[ "$(grep -c '^epoch' w/metrics.tsv)" -eq 2 ]
! grep -E '/(mpd-parse|deezer-fetch|wav2mel|mel-stats) |make-example\.py' run3.log || exit 1
grep -q '/dcue-train train ' run3.log            # the check above can match
no_server

# --- interrupted runs finish correctly when rerun ------------------------------------
# Each round starts the pipeline in a session of its own and, once its log
# shows a given stage at work, stops it: SIGINT to the group (as Ctrl-C
# does) or SIGKILL (nothing cleans up, as after a power loss).  The next
# round continues from there; the last run is left to finish and must give
# the same report as the uninterrupted 2-epoch run above (training resumes
# from the checkpoint of epoch 1).
i=0
interrupt() {  # signal, log pattern, extra delay
	i=$((i + 1))
	# a background job of a script ignores SIGINT: restore it for make
	$PYTHON -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.setsid()
os.execvp(sys.argv[1], sys.argv[1:])' make --no-print-directory -f "$ROOT/pipeline.mk" all \
	  EXAMPLE=tiny EPOCHS=2 WORK="$PWD/w2" BIN="$BIN" BUILD_TOOLS=no JOBS=2 PYTHON="$PYTHON" \
	  > int$i.log 2>&1 &
	local pid=$! k
	for k in $(seq 1200); do
		grep -q -- "$2" int$i.log && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	sleep "$3"
	kill -"$1" -- -"$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	echo "round $i: SIG$1 at '$2' + $3 s; completed: $(grep -c 'pipeline.mk: done' int$i.log || true)"
	# after a SIGKILL nobody stopped the server: the next run must cope
	pkill -f "server.py --catalogue $PWD/w2/" 2>/dev/null || true
	for f in w2/mels/*.mel; do   # no file under its final name is ever partial
		[ -e "$f" ] || continue
		cmp -s <(head -c 7 "$f") <(printf DCUEMEL) || { echo "partial $f"; exit 1; }
	done
}
interrupt INT make-example.py 0.3
interrupt KILL 'fake Deezer server at' 0.1
interrupt INT 'epoch 1:' 0
interrupt KILL 'dcue-plot' 0
[ "$(cat int*.log | grep -c 'pipeline.mk: done')" -eq 0 ] || { echo "a round was not interrupted"; exit 1; }
run "$PWD/w2" EPOCHS=2 > final.log 2>&1 || { cat int*.log final.log; exit 1; }
diff -u w/eval.txt w2/eval.txt
diff <(cut -f 1-7,10 w/metrics.tsv) <(cut -f 1-7,10 w2/metrics.tsv)   # all but the timings
grep -q 'resuming from .*last.ckpt' int*.log
cmp w/data/playlists.bin w2/data/playlists.bin
[ "$(ls w2/mels | grep -c '\.mel$')" -eq "$n_tracks" ]
for p in curves eval mel-hist mpd-stats mel-example; do [ -s w2/plots/$p.png ]; done
no_server
ls -A w2 | { ! grep -q '\.tmp'; } || { echo "temporary files left in w2"; ls -A w2; exit 1; }

# --- help, clean ---------------------------------------------------------------------
make --no-print-directory -f "$ROOT/pipeline.mk" help WORK=w > help.txt
grep -q 'EPOCHS=' help.txt
make --no-print-directory -f "$ROOT/pipeline.mk" clean WORK="$PWD/w" > /dev/null
[ ! -e w/model.ckpt ] && [ ! -e w/data ] && [ -d w/mels ] && [ "$(ls w/mels | wc -l)" -eq "$n_tracks" ] || exit 1
make --no-print-directory -f "$ROOT/pipeline.mk" clean-mels WORK="$PWD/w" > /dev/null
[ ! -e w/mels ] && [ -d w/example ] || exit 1
echo ok
