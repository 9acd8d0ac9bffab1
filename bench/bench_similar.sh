# bench_similar.sh — `dcue-train similar` over 2.26 M tracks (the full MPD's
# unique tracks) of E = 256 synthetic embeddings (bench/emb_gen.py), in
# alternating rounds, medians:
#
#   ROUNDS=5 bash bench/bench_similar.sh
#
#   search   the in-process time of the search (similar's own stderr line),
#            wall and CPU seconds (all threads): one query, and 64 queries in
#            one run (per query)
#   process  wall time of the whole command: loading tracks.tsv and the 2.3 GB
#            embedding file (read + CRC) dominates; with 0, 1 and 64 queries
#   numpy    the reference: numpy's (OpenBLAS) V·q over the same table plus
#            argpartition, in-process, table already normalised in memory
set -eu
: "${BIN:?}" "${PYTHON:=/usr/bin/python3}" "${ROOT:?}"
ROUNDS=${ROUNDS:-5}
N=${N:-2262292}
work=${BENCH_WORK:-/tmp/dcue-bench-similar}
mkdir -p "$work"
if [ ! -f "$work/.done-$N" ]; then
	rm -f "$work"/.done-*
	$PYTHON "$ROOT/bench/emb_gen.py" "$work" --tracks "$N" --dim 256 --seed 7
	touch "$work/.done-$N"
fi
tail -n +2 "$work/tracks.tsv" | awk -v s=$((N / 64)) 'NR % s == 1' | cut -f1 | head -64 > "$work/q64.txt"
head -1 "$work/q64.txt" > "$work/q1.txt"
: > "$work/q0.txt"
sim() { "$BIN/dcue-train" similar --mpd "$work" --embeddings "$work/tracks.emb" -k 10 --queries "$@"; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
now() { date +%s.%N; }
for f in q0 q1 q64 s1 s64 c1 c64 np npc; do : > "$work/$f.t"; done
for r in $(seq "$ROUNDS"); do
	for q in q0 q1 q64; do
		t0=$(now)
		sim "$work/$q.txt" > "$work/$q.out" 2> "$work/$q.err"
		awk -v a="$t0" -v b="$(now)" 'BEGIN { print b - a }' >> "$work/$q.t"
	done
	sed -n 's/.*: \([0-9.]*\) s (\([0-9.]*\) s of CPU)$/\1/p' "$work/q1.err" >> "$work/s1.t"
	sed -n 's/.*: \([0-9.]*\) s (\([0-9.]*\) s of CPU)$/\2/p' "$work/q1.err" >> "$work/c1.t"
	sed -n 's/.*: \([0-9.]*\) s (\([0-9.]*\) s of CPU)$/\1/p' "$work/q64.err" >> "$work/s64.t"
	sed -n 's/.*: \([0-9.]*\) s (\([0-9.]*\) s of CPU)$/\2/p' "$work/q64.err" >> "$work/c64.t"
	$PYTHON - "$work" <<'PY' > "$work/np.one"
import sys, time
import numpy as np
w = sys.argv[1]
b = np.fromfile(f"{w}/tracks.emb", dtype=np.uint8)
n, E = (int(x) for x in np.frombuffer(b[16:32], "<u8"))
V = np.frombuffer(b[72 + 4 * n:], "<f4").reshape(n, E)
V = V / np.linalg.norm(V, axis=1, keepdims=True)
q = V[1234].copy()
t, c = time.perf_counter(), time.process_time()
s = V @ q
top = np.argpartition(-s, 11)[:11]
top = top[np.argsort(-s[top])]
print(time.perf_counter() - t, time.process_time() - c)
PY
	cut -d' ' -f1 "$work/np.one" >> "$work/np.t"
	cut -d' ' -f2 "$work/np.one" >> "$work/npc.t"
done
[ "$(grep -vc '^#' "$work/q64.out")" -eq 640 ]
[ "$(grep -vc '^#' "$work/q1.out")" -eq 10 ]
m() { median < "$work/$1.t"; }
echo "similar over $N tracks, E = 256, k = 10: $ROUNDS alternating rounds, medians"
awk -v s1="$(m s1)" -v s64="$(m s64)" -v np="$(m np)" -v q0="$(m q0)" -v q1="$(m q1)" \
    -v q64="$(m q64)" -v c1="$(m c1)" -v c64="$(m c64)" -v npc="$(m npc)" 'BEGIN {
	printf "  search, 1 query             %7.3f s  (%.3f s of CPU)\n", s1, c1
	printf "  search, 64 queries          %7.3f s  (%.3f s of CPU; %.4f s per query)\n", s64, c64, s64 / 64
	printf "  numpy V.q + argpartition    %7.3f s  (%.3f s of CPU; 1 query; %.2fx the search)\n", np, npc, np / s1
	printf "  whole command, 0 queries    %7.2f s  (loading)\n", q0
	printf "  whole command, 1 query      %7.2f s\n", q1
	printf "  whole command, 64 queries   %7.2f s\n", q64
}'
