# pipeline.mk SHARD=I/K on the tiny example: the fetch stage converts and
# expects only its share (deezer-fetch --shard), two shares in one folder
# make every mel once, then an unsharded run fetches nothing more; a share
# that is done reruns nothing; SHARD with a later stage is refused.
set -eu
. "$TESTS/lib.sh"
for t in mpd-parse deezer-fetch wav2mel; do
	if [ ! -x "$BIN/$t" ]; then
		echo "SKIP: $BIN/$t is not built yet"
		exit 0
	fi
done
export MAKEFLAGS=
pm() {  # target, extra make arguments...
	make --no-print-directory -f "$ROOT/pipeline.mk" "$@" EXAMPLE=tiny WORK="$PWD/w" BIN="$BIN" \
	  BUILD_TOOLS=no JOBS=2 PYTHON="$PYTHON"
}
share() {  # I/K → the share's track ids, sorted
	tail -n +2 w/data/tracks.tsv | cut -f1-3 | "$BIN/deezer-fetch" --shard "$1" --list | cut -f1 | sort
}
mels() { ls w/mels | sed -n 's/\.mel$//p' | sort; }
failed() { tail -n +2 w/cache/failures.tsv 2>/dev/null | cut -f1 | sort -u; }

# refused with a stage that needs every share
fails 2 "SHARD=0/2 is for the fetch stage" pm all SHARD=0/2
fails 2 "SHARD=0/2 is for the fetch stage" pm train SHARD=0/2

# share 0 of 2: only its tracks are fetched and converted, and counted
pm fetch SHARD=0/2 >s0.log 2>&1 || { cat s0.log; exit 1; }
share 0/2 >want0
[ -s want0 ]
mels | comm -23 - want0 >extra
[ ! -s extra ] || { echo "mels outside share 0/2:"; cat extra; exit 1; }
cat <(mels) <(failed) | sort -u | diff -u want0 -        # every track of the share: a mel or a failure
grep -q "of $(wc -l <want0) tracks of shard 0/2 have a mel" s0.log
grep -qx 'shard 0/2' w/mels.done
# done: a rerun of the share does nothing
before=$(stat -c %Y.%y w/mels.done)
pm fetch SHARD=0/2 >again.log 2>&1 || { cat again.log; exit 1; }
[ "$(stat -c %Y.%y w/mels.done)" = "$before" ]
[ ! -s again.log ] || { cat again.log; exit 1; }

# share 1 of 2 in the same folder: then every track has a mel or a failure
pm fetch SHARD=1/2 >s1.log 2>&1 || { cat s1.log; exit 1; }
share 1/2 >want1
[ -z "$(comm -12 want0 want1)" ]                              # disjoint
tail -n +2 w/data/tracks.tsv | cut -f1 | sort >all
cat want0 want1 | sort | diff -u all -                        # and covering
cat <(mels) <(failed) | sort -u | diff -u all -

# unsharded afterwards: the stage reruns (its expectation changed) and
# fetches nothing: every track already has its mel or a listed failure
pm fetch >u.log 2>&1 || { cat u.log; exit 1; }
grep -q "of $(wc -l <all) tracks have a mel" u.log
! grep -q "[1-9][0-9]* fetched" u.log || exit 1
! grep -q '^shard' w/mels.done || exit 1
