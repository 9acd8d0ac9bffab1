# bench_mpi.sh — one machine's replicas and ranks on the paper's model
# (every negative's backward run, batch 16), alternating in one invocation,
# medians of samples/s:
#   threaded   one process, one replica, OpenBLAS's own threads (no --threads)
#   replicas   one process, --threads 2 (a replica per core, 1-thread GEMMs)
#   np1        mpirun -np 1 --threads 1
#   np2        mpirun -np 2 --threads 1 (one rank per core)
# then the bytes each rank exchanges per step, and the modelled time per
# epoch on 8, 32 and 128 such nodes (docs/dcue-train.md, "Cost model").
# env: BIN, PYTHON, ROOT; ROUNDS (3), STEPS (12), TRACKS (300).
set -eu
: "${ROUNDS:=3}" "${STEPS:=12}" "${TRACKS:=300}"
export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-Haswell}"
export OMPI_MCA_rmaps_base_oversubscribe=1
[ "$(id -u)" = 0 ] && export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
dt=$BIN/dcue-train
command -v mpirun >/dev/null || { echo "mpirun not installed (make deps): skipped"; exit 0; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-mpi.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

"$PYTHON" "$ROOT/tests/fixtures/dcue/gen.py" "$tmp/d" --tracks "$TRACKS" --playlists $((TRACKS / 3)) \
	--mel-bins 128 --frames 1292 --length 20 --genres 8 >/dev/null
common="--mpd $tmp/d/mpd --mels $tmp/d/mels --quiet --valid-samples 0 --no-skip --batch-size 16
	--epochs 1 --steps-per-epoch $STEPS --metrics $tmp/m.tsv"
sps() { "$@" $common; awk -F'\t' '$1 == "epoch" { v = $8 } END { print v }' "$tmp/m.tsv"; }
for _ in $(seq "$ROUNDS"); do
	sps $dt train >>"$tmp/threaded"
	sps $dt train --threads 2 >>"$tmp/replicas"
	sps mpirun -np 1 $dt train --threads 1 >>"$tmp/np1"
	sps mpirun -np 2 $dt train --threads 1 >>"$tmp/np2"
done
th=$(median <"$tmp/threaded")
for k in threaded replicas np1 np2; do
	v=$(median <"$tmp/$k")
	echo "$k: $v samples/s (median of $ROUNDS), $(ratio "$v" "$th")x threaded"
done

# --- bytes per step and the modelled epoch ---
# shared weights of the paper's model (E 256, C 128, H 300, M 128): 889,660 floats
nshared=889660 H=300 b=16
r=$(median <"$tmp/replicas")        # one 2-core node's samples/s
echo "per step and rank: allreduce of (n_shared + U*H) floats plus the rows (U*H), U <= global batch"
for nodes in 1 2 8 32 128; do
	B=$((b * nodes))
	awk -v n="$nshared" -v H="$H" -v B="$B" -v N="$nodes" 'BEGIN {
		bytes = 4 * (n + 2 * B * H); printf "  %3d nodes, global batch %5d: %.2f MB summed, ring traffic per rank %.2f MB\n",
		N, B, bytes / 1e6, (N > 1 ? 2 * (N - 1) / N : 0) * bytes / 1e6 }'
done
echo "modelled time per epoch (node = this machine, $r samples/s at batch $b; ring allreduce at 90% of link speed, 50 us per hop):"
for I in 209000 46000000; do
	for gbit in 10 25; do
		for nodes in 8 32 128; do
			awk -v I="$I" -v r="$r" -v b="$b" -v N="$nodes" -v g="$gbit" -v n="$nshared" -v H="$H" 'BEGIN {
				B = b * N; bytes = 4 * (n + 2 * B * H)
				comm = 2 * (N - 1) / N * bytes * 8 / (g * 1e9 * 0.9) + 2 * (N - 1) * 50e-6
				step = b / r + comm; steps = I / B; t = steps * step
				printf "  %9d interactions, %2d Gbit/s, %3d nodes: %.3f s/step (%.3f compute + %.3f allreduce), %.2f h per epoch\n",
					I, g, N, step, b / r, comm, t / 3600 }'
		done
	done
done
