# bench_outofcore.sh — dcue-train with the mels out of core (read per crop
# with pread) against the in-memory loader it replaced, built from BASE_REV
# into a temporary folder:
#   1. TRACKS (4,000) synthetic u8 tracks (~650 MB) trained inside a memory
#      cgroup of LIMIT_MB (320) that counts the page cache (cgroup v1, root),
#      the mels evicted from the page cache first: new and old binary;
#   2. training samples/s with a warm page cache, the two binaries
#      alternating ROUNDS (5) times, E = C = 64, STEPS (30) steps: medians
#      and their ratio;
#   3. peak RSS against the mels' size at three sizes (1/4, 1/2, all);
#   4. start-up: --mel-check full against headers, warm cache.
# env: BIN, PYTHON, ROOT; BASE_REV (e3e9e40, the last in-memory commit),
#      TRACKS, LIMIT_MB, ROUNDS, STEPS; PARTS ("1 2 3 4": which of the above).
set -eu
: "${BASE_REV:=e3e9e40}" "${TRACKS:=4000}" "${LIMIT_MB:=320}" "${ROUNDS:=5}" "${STEPS:=30}"
: "${PARTS:=1 2 3 4}"
part() { [[ " $PARTS " == *" $1 "* ]]; }
export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-Haswell}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-ooc.XXXXXX")
cg=
cleanup() { [ -n "$cg" ] && rmdir "$cg" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }'; }

# --- the baseline binary ------------------------------------------------------------
mkdir "$tmp/base"
git -C "$ROOT" archive "$BASE_REV" | tar -x -C "$tmp/base"
make -s -C "$tmp/base" bin/dcue-train >/dev/null
old=$tmp/base/bin/dcue-train new=$BIN/dcue-train
echo "baseline: $BASE_REV ($(git -C "$ROOT" log -1 --format=%s "$BASE_REV" | cut -c1-60))"

# --- data: gen.py's playlists, then 1292 x 128 random u8 frames per track -----------
"$PYTHON" "$ROOT/tests/fixtures/dcue/gen.py" "$tmp/d" --tracks "$TRACKS" \
	--playlists $((TRACKS / 3)) --mel-bins 128 --frames 8 --length 20 --genres 8
"$PYTHON" - "$tmp/d/mels" <<'PY'
import os, struct, sys, zlib
import numpy as np
rng = np.random.default_rng(7)
meta = struct.pack("<6I2f", 22050, 1024, 512, 0, 0, 0, -80.0, 0.0)
for name in sorted(os.listdir(sys.argv[1])):
    F = 1292
    payload = rng.integers(0, 256, size=F * 128, dtype=np.uint8).tobytes()
    head = b"DCUEMEL\0" + struct.pack("<II4QIIQI", 1, 1, F, 128, 0, 0, 32, 0, len(payload),
                                      zlib.crc32(meta + payload))
    head += struct.pack("<I", zlib.crc32(head))
    p = os.path.join(sys.argv[1], name)
    with open(p + ".tmp", "wb") as f:
        f.write(head + meta + payload)
    os.replace(p + ".tmp", p)
PY
mel_mb=$(( $(du -sk "$tmp/d/mels" | cut -f1) / 1024 ))
echo "data: $TRACKS tracks x 1292 frames x 128 bands (u8): $mel_mb MB of mels"
evict() {       # drops the mels' pages from the page cache (these files only)
	"$PYTHON" -c 'import os, sys
for p in sys.argv[1:]:
    fd = os.open(p, os.O_RDONLY); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED); os.close(fd)' "$tmp"/d/mels/*.mel
}
warm() { cat "$tmp"/d/mels/*.mel >/dev/null; }
common="--mpd $tmp/d/mpd --mels $tmp/d/mels --embedding-size 64 --channels 64 --threads 2
        --quiet --valid-samples 0 --epochs 1"

# --- 1. under a memory cgroup (page cache included) ----------------------------------
memroot=/sys/fs/cgroup/memory$(awk -F: '$2 == "memory" { print $3 }' /proc/self/cgroup)
if ! part 1; then
	:
elif [ -w "$memroot" ] && mkdir "$memroot/dcue-bench.$$" 2>/dev/null; then
	cg=$memroot/dcue-bench.$$
	echo $((LIMIT_MB << 20)) >"$cg/memory.limit_in_bytes"
	for b in new old; do
		bin=${!b}
		evict
		echo 0 >"$cg/memory.max_usage_in_bytes"
		echo 0 >"$cg/memory.failcnt"
		rc=0
		( echo "$BASHPID" >"$cg/cgroup.procs" && exec "$bin" train $common \
			--steps-per-epoch 100 --metrics "$tmp/cg.tsv" ) 2>"$tmp/cg.err" || rc=$?
		echo "cgroup ${LIMIT_MB} MB, $b: exit $rc, max usage $(( $(cat "$cg/memory.max_usage_in_bytes") >> 20 )) MB (page cache included), failcnt $(cat "$cg/memory.failcnt"), $([ $rc = 0 ] && awk -F'\t' '$1 == "epoch" { print $8 " samples/s (cold cache)" }' "$tmp/cg.tsv" || tail -c 200 "$tmp/cg.err")"
	done
	rmdir "$cg" && cg=
else
	echo "cgroup: $memroot not writable (not root, or no cgroup v1 memory controller): skipped"
fi

# --- 2. speed with a warm page cache, alternating -----------------------------------
if part 2; then
warm
: >"$tmp/new" ; : >"$tmp/old"
: >"$tmp/new.cpu" ; : >"$tmp/old.cpu"
for _ in $(seq "$ROUNDS"); do
	for b in new old; do
		/usr/bin/time -f '%U %S' -o "$tmp/cpu" ${!b} train $common --steps-per-epoch "$STEPS" \
			--metrics "$tmp/m.tsv"
		awk -F'\t' '$1 == "epoch" { print $8 }' "$tmp/m.tsv" >>"$tmp/$b"
		awk '{ printf "%.3f\n", $1 + $2 }' "$tmp/cpu" >>"$tmp/$b.cpu"
	done
done
n=$(median <"$tmp/new"); o=$(median <"$tmp/old")
echo "warm cache, E=C=64, batch 16, $STEPS steps x $ROUNDS rounds: out of core $n samples/s, in memory $o samples/s (medians), ratio $(ratio "$n" "$o")"
echo "  out of core: $(tr '\n' ' ' <"$tmp/new")"
echo "  in memory:   $(tr '\n' ' ' <"$tmp/old")"
# CPU seconds of a whole run (start-up included): robust on a shared machine
nc=$(median <"$tmp/new.cpu"); oc=$(median <"$tmp/old.cpu")
echo "  CPU seconds per run (user + system, medians): out of core $nc, in memory $oc, ratio in memory / out of core $(ratio "$oc" "$nc")"
echo "  out of core: $(tr '\n' ' ' <"$tmp/new.cpu")"
echo "  in memory:   $(tr '\n' ' ' <"$tmp/old.cpu")"
fi

# --- 3. peak RSS against the mels' size -------------------------------------------------
for q in 4 2 1; do
	part 3 || break
	k=$((TRACKS / q))
	mkdir -p "$tmp/sub$q"
	ls "$tmp/d/mels" | head -n "$k" | while read -r f; do ln -sf "$tmp/d/mels/$f" "$tmp/sub$q/$f"; done
	mb=$(( $(du -skL "$tmp/sub$q" | cut -f1) / 1024 ))
	line="peak RSS, $k tracks ($mb MB of mels):"
	for b in new old; do
		/usr/bin/time -f '%M' -o "$tmp/rss" ${!b} train $common --mels "$tmp/sub$q" \
			--steps-per-epoch 3 --metrics "$tmp/m.tsv"
		line="$line $b $(( $(tail -1 "$tmp/rss") / 1024 )) MB"
	done
	echo "$line"
done

# --- 4. start-up: headers only, or every payload streamed (CRC) ---------------------------
part 4 || exit 0
warm
for chk in headers full; do
	s=$(date +%s.%N)
	$new train $common --steps-per-epoch 1 --mel-mean 0 --mel-std 1 --mel-check "$chk" \
		--metrics "$tmp/m.tsv"
	e=$(date +%s.%N)
	echo "start-up and 1 step, --mel-check $chk, warm cache: $(awk -v a="$s" -v b="$e" 'BEGIN { printf "%.2f", b - a }') s for $TRACKS tracks"
done
s=$(date +%s.%N)
$new train $common --steps-per-epoch 1 --metrics "$tmp/m.tsv"
e=$(date +%s.%N)
echo "start-up and 1 step, --mel-check full and mean/std measured (2 passes over the training tracks), warm: $(awk -v a="$s" -v b="$e" 'BEGIN { printf "%.2f", b - a }') s"
