# bench_dcue_train.sh — dcue-train against PyTorch (Debian's python3-torch)
# on the paper's model (T 130, M 128, E 256, 20 negatives), 2 threads,
# alternating the two in the same invocation; medians and ratios.
#   1. training samples/s, every negative's backward run (--no-skip),
#      batch 10 and 32, random-genre data vs PyTorch on random tensors;
#   2. training samples/s after two epochs on learnable data, where most
#      hinge terms are 0 (with the fraction of active negatives);
#   3. forward crops/s at batch 64 (embedding) vs PyTorch, forward GFLOP/s
#      vs the sgemm peak of the same process;
#   4. peak RSS of training vs the size of the u8 mels.
# PyTorch runs three ways each round: glibc malloc as installed, glibc tuned
# to keep its memory (MALLOC_*), and jemalloc preloaded; the ratio is to the
# faster of the last two (PyTorch at its best), the default-malloc figure is
# printed next to it.  OPENBLAS_* and OMP_* are left as the machine sets
# them; the kernels each side picked are printed.
# env: BIN, PYTHON, ROOT; ROUNDS (3), TRACKS (300), STEPS (8).
set -eu
: "${ROUNDS:=3}" "${TRACKS:=300}" "${STEPS:=8}"
jemalloc=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
dt=$BIN/dcue-train
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-dcue.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
have_torch=0
"$PYTHON" -c 'import torch' 2>/dev/null && have_torch=1
[ $have_torch = 1 ] || echo "python3-torch not installed: PyTorch comparisons skipped"
torch1() { "$PYTHON" -W ignore "$ROOT/bench/dcue_torch.py" "$@" | awk '{ print $2 }'; }
# one round of PyTorch, three mallocs: appends to $tmp/t.def, t.tun, t.jem
torch() {
	torch1 "$@" >>"$tmp/t.def"
	MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=4294967296 \
		MALLOC_TOP_PAD_=268435456 torch1 "$@" >>"$tmp/t.tun"
	if [ -e $jemalloc ]; then LD_PRELOAD=$jemalloc torch1 "$@" >>"$tmp/t.jem"; fi
}
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
max() { awk -v a="$1" -v b="${2:-0}" 'BEGIN { print (a > b ? a : b) }'; }
# "what: dcue-train X unit, PyTorch best Y (tuned T, jemalloc J; default D), ratio R"
report() {
	local what=$1 unit=$2 c t d j b
	c=$(median <"$tmp/c")
	if [ $have_torch = 1 ]; then
		d=$(median <"$tmp/t.def"); t=$(median <"$tmp/t.tun"); j=$(median <"$tmp/t.jem" 2>/dev/null)
		b=$(max "$t" "$j")
		echo "$what: dcue-train $c $unit, PyTorch $b (tuned malloc $t, jemalloc ${j:-n/a}; default malloc $d), ratio $(ratio "$c" "$b") (to default $(ratio "$c" "$d"))"
	else
		echo "$what: dcue-train $c $unit"
	fi
}
reset() { : >"$tmp/c"; : >"$tmp/t.def"; : >"$tmp/t.tun"; : >"$tmp/t.jem"; }

"$PYTHON" "$ROOT/tests/fixtures/dcue/gen.py" "$tmp/d" --tracks "$TRACKS" --playlists $((TRACKS / 3)) \
	--mel-bins 128 --frames 1292 --length 20 --genres 8
echo "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE-(unset)} OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS-(unset)} OMP_NUM_THREADS=${OMP_NUM_THREADS-(unset)}"
if [ $have_torch = 1 ]; then
	"$PYTHON" -W ignore "$ROOT/bench/dcue_torch.py" info --threads 2
	DNNL_VERBOSE=1 "$PYTHON" -W ignore "$ROOT/bench/dcue_torch.py" info --threads 2 |
		awk -F, '/isa:/ { print "PyTorch oneDNN " $4 } /,convolution,/ && !k++ { print "PyTorch oneDNN convolution kernel: " $5 }'
	[ -e $jemalloc ] || echo "$jemalloc missing (make bench-deps): PyTorch with jemalloc skipped"
fi
echo "data: $TRACKS tracks of 1292 frames x 128 bands (u8), $(du -sh "$tmp/d/mels" | cut -f1)"
common="--mpd $tmp/d/mpd --mels $tmp/d/mels --threads 2 --quiet --valid-samples 0"
c_train() {     # batch, extra options → samples/s of one epoch of $STEPS steps
	$dt train $common --batch-size "$1" --epochs 1 --steps-per-epoch "$STEPS" \
		--metrics "$tmp/m.tsv" "${@:2}"
	awk -F'\t' '$1 == "epoch" { v = $8 } END { print v }' "$tmp/m.tsv"
}

# --- 1. all negatives active ------------------------------------------------
for B in 10 32; do
	reset
	for _ in $(seq "$ROUNDS"); do
		c_train "$B" --no-skip >>"$tmp/c"
		[ $have_torch = 0 ] || torch train --batch "$B" --threads 2 --steps "$STEPS"
	done
	report "train batch $B, all active" samples/s
done

# --- 2. after learning: most hinge terms are 0 --------------------------------
B=10
$dt train $common --batch-size $B --epochs 2 --save "$tmp/l.ckpt"
reset; : >"$tmp/a"
for _ in $(seq "$ROUNDS"); do
	cp "$tmp/l.ckpt" "$tmp/f.ckpt"
	# a fine-tune (other --steps-per-epoch) from the learned weights
	$dt train $common --batch-size $B --epochs 1 --steps-per-epoch "$STEPS" --load "$tmp/f.ckpt" \
		--metrics "$tmp/m.tsv"
	awk -F'\t' '$1 == "epoch" { v = $8; a = $10 } END { print v; print a >"/dev/stderr" }' \
		"$tmp/m.tsv" >>"$tmp/c" 2>>"$tmp/a"
	[ $have_torch = 0 ] || torch train --batch $B --threads 2 --steps "$STEPS"
done
report "train batch $B after 2 epochs (active negatives $(median <"$tmp/a"))" samples/s

# --- 3. forward / embedding, and GEMM efficiency --------------------------------
fwd=$tmp/dcue_fwd
cc -O2 -I"$ROOT/common" -I"$ROOT/tools/dcue-train" $(pkg-config --cflags openblas) \
	"$ROOT/bench/dcue_fwd.c" "$ROOT/build/tools/dcue-train/lib.a" "$ROOT/build/libdcue.a" \
	$(pkg-config --libs openblas zlib) -ldnnl -lgomp -lm -lpthread -o "$fwd"
reset; : >"$tmp/g" ; : >"$tmp/p"
for _ in $(seq "$ROUNDS"); do
	"$fwd" 2 64 5 >"$tmp/f"
	awk '$1 == "forward_crops_per_s" { print $2 }' "$tmp/f" >>"$tmp/c"
	awk '$1 == "forward_gflops" { print $2 }' "$tmp/f" >>"$tmp/g"
	awk '$1 == "sgemm_peak_gflops" { print $2 }' "$tmp/f" >>"$tmp/p"
	[ $have_torch = 0 ] || torch embed --batch 64 --threads 2 --steps 5
done
g=$(median <"$tmp/g"); p=$(median <"$tmp/p")
report "embed batch 64" crops/s
echo "forward pass $g GFLOP/s, sgemm 2048^3 $p GFLOP/s: $(ratio "$g" "$p") of peak"
grep sgemm_conv1 "$tmp/f"
echo "dcue-train: $(grep '^openblas' "$tmp/f"); $(grep '^gemm' "$tmp/f")"
# end to end: embed every track (about 10 crops each)
s=$(date +%s.%N)
$dt embed --load "$tmp/l.ckpt" --mpd "$tmp/d/mpd" --mels "$tmp/d/mels" --tracks "$tmp/t.emb" \
	--threads 2 --quiet
e=$(date +%s.%N)
echo "dcue-train embed: $TRACKS tracks in $(awk -v a="$s" -v b="$e" 'BEGIN { printf "%.1f", b - a }') s including loading"

# --- 4. memory ---------------------------------------------------------------------
mel=$(du -sk "$tmp/d/mels" | cut -f1)
/usr/bin/time -f '%M' -o "$tmp/rss" $dt train $common --batch-size 10 --epochs 1 --steps-per-epoch 2
rss=$(tail -1 "$tmp/rss")
echo "peak RSS training batch 10: $((rss / 1024)) MB for $((mel / 1024)) MB of mels: +$(((rss - mel) / 1024)) MB"
