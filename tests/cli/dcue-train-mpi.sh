# dcue-train under mpirun (Open MPI) on this machine's cores: -np 2 trains
# on the same global batches as one process (losses within 1% after two
# epochs), its checkpoint loads in one process and resumes under mpirun bit
# for bit, a rank that dies ends the job naming itself, ranks given
# different options or data refuse to start.  --threads replicas against
# one: the same losses, and the same bits for the same thread count.
set -eu
. "$TESTS/lib.sh"
dt=$BIN/dcue-train
use_mpirun
"$PYTHON" "$TESTS/fixtures/dcue/gen.py" r --tracks 60 --playlists 24
tiny="--mel-bins 16 --embedding-size 8 --channels 8 --hidden 16 --nb-negatives 4 --quiet"
common="--mpd r/mpd --mels r/mels $tiny --batch-size 8 --epochs 2 --steps-per-epoch 12"
last_loss() { grep '^epoch' "$1" | tail -1 | cut -f4; }
close() {     # a b rel: |a-b| <= rel*|a|
	awk -v a="$1" -v b="$2" -v r="$3" 'BEGIN { d = a - b; if (d < 0) d = -d;
		if (!(d <= r * (a < 0 ? -a : a))) { print "not within", r ":", a, b; exit 1 } }'
}

# --- one process, two replicas, two ranks: the same training ---
$dt train $common --save one.ckpt --metrics one.tsv
$dt train $common --threads 2 --save thr.ckpt --metrics thr.tsv
$dt train $common --threads 2 --save thr2.ckpt --metrics thr2.tsv
[ "$(ckpt_weights thr.ckpt)" = "$(ckpt_weights thr2.ckpt)" ]          # same seed, same threads: same bits
mpirun -np 2 $dt train $common --save np2.ckpt --metrics np2.tsv
[ "$(grep -c '^epoch' np2.tsv)" -eq 2 ]
close "$(last_loss one.tsv)" "$(last_loss thr.tsv)" 0.0001
close "$(last_loss one.tsv)" "$(last_loss np2.tsv)" 0.01
# a different seed is not within 1e-4 (the comparison can fail)
$dt train $common --seed 7 --metrics s7.tsv
! close "$(last_loss one.tsv)" "$(last_loss s7.tsv)" 0.0001 >/dev/null || exit 1

# --- the -np 2 checkpoint is an ordinary one: eval and embed in one process ---
$dt eval --load np2.ckpt --mpd r/mpd --mels r/mels --quiet >ev.txt
[ "$(wc -l <ev.txt)" -eq 45 ]
$dt embed --load np2.ckpt --mpd r/mpd --mels r/mels --quiet --playlists pl.emb --tracks tr.emb
# eval and embed under mpirun give what one process gives
mpirun -np 2 $dt eval --load np2.ckpt --mpd r/mpd --mels r/mels --quiet >ev2.txt
diff ev.txt ev2.txt
mpirun -np 2 $dt embed --load np2.ckpt --mpd r/mpd --mels r/mels --quiet --playlists pl2.emb \
	--tracks tr2.emb
cmp pl.emb pl2.emb
# tracks batched differently: the same vectors up to float rounding
"$PYTHON" - tr.emb tr2.emb <<'PY'
import struct, sys
def vecs(p):
    b = open(p, "rb").read()
    n, E = struct.unpack_from("<QQ", b, 16)
    meta = struct.unpack_from("<I", b, 48)[0]
    o = 72 + meta
    keys = b[o:o + 4 * n]
    return keys, struct.unpack_from("<%df" % (n * E), b, o + 4 * n)
ka, a = vecs(sys.argv[1]); kb, b = vecs(sys.argv[2])
assert ka == kb and len(a) == len(b) > 0
worst = max(abs(x - y) / (1e-5 + 1e-4 * abs(x)) for x, y in zip(a, b))
assert worst <= 1, "track embeddings differ: %.3f of tolerance" % worst
PY

# --- resume under mpirun: interrupted, resumed, the same bits ---
mpirun -np 2 $dt train $common --save b.ckpt --metrics b.tsv --max-steps 7 --checkpoint-every 4
mpirun -np 2 $dt train $common --save b.ckpt --metrics b.tsv --load b.ckpt
[ "$(ckpt_weights np2.ckpt)" = "$(ckpt_weights b.ckpt)" ]
diff <(grep '^epoch' np2.tsv | cut -f1-7) <(grep '^epoch' b.tsv | cut -f1-7)

# --- ranks started differently refuse to start, saying what differs ---
fails 1 "the options differ from rank 0's" \
	mpirun -np 1 $dt train $common --metrics x.tsv : -np 1 $dt train $common --metrics x.tsv --lr 0.05
grep -q "rank 1 on" err.txt
[ ! -e x.tsv ]
# the same command in two folders holding different tracks.tsv
mkdir -p h0 h1
cp -r r h0/ && cp -r r h1/
sed -i '3s/^p/q/' h1/r/mpd/tracks.tsv
fails 1 "tracks.tsv (--mpd) differ" \
	mpirun -np 1 --wdir h0 $dt train $common : -np 1 --wdir h1 $dt train $common

# --- a rank that dies ends the job, naming itself; the rerun resumes ---
# rank 1's copy of a .mel is corrupt (each host reads its own disk): the
# job ends with a message naming rank 1 and the file, no checkpoint
mkdir -p h2 && cp -r r h2/
mkdir -p h3 && cp -r r h3/
f=$(ls h3/r/mels/*.mel | head -1)
printf 'garbage' | dd of="$f" bs=1 seek=100 conv=notrunc 2>/dev/null
fails 1 "rank 1 on .*$(basename "$f")" \
	mpirun -np 1 --wdir h2 $dt train $common --save bad.ckpt : \
	-np 1 --wdir h3 $dt train $common --save bad.ckpt
[ ! -e h2/bad.ckpt ] && [ ! -e h3/bad.ckpt ] || exit 1
# rank 1 killed in the middle of a long run: the job ends, the checkpoint
# is whole, and the rerun resumes from it
ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" command mpirun -np 2 $dt train $common --epochs 100000 --save k.ckpt --checkpoint-every 10 \
	>/dev/null 2>kill.err &
mpi=$!
for _ in $(seq 600); do [ -e k.ckpt ] && break; sleep 0.1; done
rank1=$(pgrep -P $mpi | sed -n 2p)
[ -n "$rank1" ] && kill -9 "$rank1"
rc=0; wait $mpi || rc=$?
[ "$rc" -ne 0 ]
grep -qi "rank 1\|signal 9\|killed" kill.err
$dt eval --load k.ckpt --mpd r/mpd --mels r/mels --quiet >/dev/null
mpirun -np 2 $dt train ${common/--quiet/} --epochs 100000 --max-steps 3 --load k.ckpt \
	--save k.ckpt 2>res.err
grep -q "resuming after epoch" res.err
if ls -a | grep '\.tmp\.'; then echo 'temporary files left'; exit 1; fi
