# dcue-train embed --playlists streamed in blocks of 4,096 playlists: 9,000
# playlists (three blocks, each over 2 MiB at E 128, so the large-write
# path is taken), every vector checked against numpy's playlist branch on
# the checkpoint's weights (lazy rows caught up in closed form), the keys
# against playlists.bin; under mpirun -np 2 the same bytes; a write that
# fails mid-table (file-size limit) leaves no file.
set -eu
. "$TESTS/lib.sh"
use_mpirun
dt=$BIN/dcue-train
"$PYTHON" "$TESTS/fixtures/dcue/gen.py" d --tracks 40 --playlists 9000 --length 3 --mel-bins 16 \
	--frames 200 >/dev/null
$dt train --mpd d/mpd --mels d/mels --mel-bins 16 --embedding-size 128 --channels 8 --hidden 16 \
	--nb-negatives 3 --batch-size 4 --epochs 1 --steps-per-epoch 3 --quiet --save m.ckpt
io="--load m.ckpt --mpd d/mpd --mels d/mels --quiet"
$dt embed $io --playlists p.emb

"$PYTHON" - <<'PY'
import struct
import numpy as np
c = open("m.ckpt", "rb").read()
n_params, n_hist, n_steps = struct.unpack_from("<3Q", c, 16)
meta = struct.unpack_from("<I", c, 48)[0]
P, M, T, E, C, H = struct.unpack_from("<6I", c, 72)
lr, mu = struct.unpack_from("<2f", c, 72 + 60)          # struct dcue_config
step = struct.unpack_from("<Q", c, 72 + 112 + 8)[0]      # struct train_state
o = 72 + meta
par = np.frombuffer(c, "<f4", n_params, o)
mom = np.frombuffer(c, "<f4", n_params, o + 4 * n_params)
rs = np.frombuffer(c, "<u8", n_steps, o + 8 * n_params + 72 * n_hist)
assert (P, E, H, n_steps) == (9000, 128, 16, 9000), (P, E, H, n_steps)
# lazy rows: k zero-gradient steps at once (model.h)
k = (step - rs).astype(np.float64)[:, None]
emb = par[:P * H].reshape(P, H).astype(np.float64)
b = mom[:P * H].reshape(P, H).astype(np.float64)
cst = lr * mu * mu * (1 - mu ** k) / (1 - mu)
emb = (emb - cst * b).astype(np.float32)
q = P * H
d1w = par[q:q + H * H].reshape(H, H); q += H * H
d1b = par[q:q + H]; q += H
d2w = par[q:q + H * E].reshape(H, E); q += H * E
d2b = par[q:q + E]
ref = np.maximum(np.maximum(emb, 0) @ d1w + d1b, 0) @ d2w + d2b

e = open("p.emb", "rb").read()
assert e[:8] == b"DCUEEMB\0"
assert struct.unpack_from("<3Q", e, 16) == (P, E, 1)
assert len(e) == 72 + 4 * P + 4 * P * E
keys = np.frombuffer(e, "<u4", P, 72)
vec = np.frombuffer(e, "<f4", P * E, 72 + 4 * P).reshape(P, E)
pl = open("d/mpd/playlists.bin", "rb").read()
assert (keys == np.frombuffer(pl, "<u4", P, 72)).all(), "keys are not the pids"
err = np.abs(vec - ref) - (1e-5 + 1e-4 * np.abs(ref))
assert err.max() <= 0, "row %d differs: %g" % (np.argmax(err.max(1)), err.max())
assert np.abs(ref).max() > 0.01
# every block's rows are there: the last block's and the first's differ
assert not np.allclose(vec[0], vec[-1])
PY

# under mpirun each block is shared between the ranks: the same bytes
if command -v mpirun >/dev/null; then
	mpirun -np 2 $dt embed $io --playlists p2.emb
	cmp p.emb p2.emb
fi

# a write that fails in the middle of the table: exit 1, naming the file,
# and nothing left (nor a temporary)
mkdir out
rc=0; (ulimit -f 3000; $dt embed $io --playlists out/p.emb) 2>err.txt || rc=$?
[ "$rc" -eq 1 ] || { echo "exit $rc"; cat err.txt; exit 1; }
grep -q "out/p.emb: cannot write" err.txt
[ -z "$(ls -A out)" ]
