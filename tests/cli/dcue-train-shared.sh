# dcue-train --shared-negatives: one process, --threads 2 and mpirun -np 2
# train on the same steps (the same negatives everywhere: losses within
# 1e-4 and 1%); it is not the paper's sampling (other losses); the same
# threads give the same bits; a run interrupted and resumed gives the
# uninterrupted one's bits; the checkpoint records the option, so loading
# it without the option fine-tunes (warned) instead of resuming.
set -eu
. "$TESTS/lib.sh"
dt=$BIN/dcue-train
"$PYTHON" "$TESTS/fixtures/dcue/gen.py" r --tracks 60 --playlists 24
tiny="--mel-bins 16 --embedding-size 8 --channels 8 --hidden 16 --nb-negatives 4 --quiet"
common="--mpd r/mpd --mels r/mels $tiny --batch-size 8 --epochs 2 --steps-per-epoch 12"
weights() {   # the weights and momentum of a checkpoint, as hex
	"$PYTHON" - "$1" <<'PY'
import struct, sys
b = open(sys.argv[1], "rb").read()
n = struct.unpack_from("<Q", b, 16)[0]
meta = struct.unpack_from("<I", b, 48)[0]
print(b[72 + meta:72 + meta + 8 * n].hex())
PY
}
last_loss() { grep '^epoch' "$1" | tail -1 | cut -f4; }
close() {     # a b rel: |a-b| <= rel*|a|
	awk -v a="$1" -v b="$2" -v r="$3" 'BEGIN { d = a - b; if (d < 0) d = -d;
		if (!(d <= r * (a < 0 ? -a : a))) { print "not within", r ":", a, b; exit 1 } }'
}

$dt --help | grep -q -- "--shared-negatives"
$dt train $common --shared-negatives --save one.ckpt --metrics one.tsv
[ "$(grep -c '^epoch' one.tsv)" -eq 2 ]
$dt train $common --shared-negatives --threads 2 --save thr.ckpt --metrics thr.tsv
$dt train $common --shared-negatives --threads 2 --save thr2.ckpt --metrics thr2.tsv
[ "$(weights thr.ckpt)" = "$(weights thr2.ckpt)" ]
close "$(last_loss one.tsv)" "$(last_loss thr.tsv)" 0.0001
# the paper's sampling trains otherwise (the comparison can fail)
$dt train $common --metrics paper.tsv
! close "$(last_loss one.tsv)" "$(last_loss paper.tsv)" 0.0001 >/dev/null

# interrupted and resumed: the uninterrupted run's bits
$dt train $common --shared-negatives --threads 2 --save b.ckpt --metrics b.tsv --max-steps 7 \
	--checkpoint-every 4
$dt train $common --shared-negatives --threads 2 --save b.ckpt --metrics b.tsv --load b.ckpt
[ "$(weights thr.ckpt)" = "$(weights b.ckpt)" ]
# the option is recorded: without it the checkpoint is fine-tuned, not resumed
$dt train ${common/--quiet/} --epochs 1 --load one.ckpt --metrics ft.tsv 2>err
grep -q "fine-tuning its weights (not a resume: --shared-negatives: 1 in the checkpoint, 0 now)" err
# eval reads it as any checkpoint
$dt eval --load one.ckpt --mpd r/mpd --mels r/mels --quiet >ev.txt
grep -q auc ev.txt

# under mpirun: the same steps as one process
if command -v mpirun >/dev/null; then
	export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
	export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
	export OMPI_MCA_btl=self,vader OMPI_MCA_pml=ob1
	ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" mpirun -np 2 $dt train $common \
		--shared-negatives --save np2.ckpt --metrics np2.tsv
	close "$(last_loss one.tsv)" "$(last_loss np2.tsv)" 0.01
fi
if ls -a | grep '\.tmp\.'; then echo 'temporary files left'; exit 1; fi
