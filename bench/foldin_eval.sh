#!/bin/bash
# bench/foldin_eval.sh — how well `dcue-train recommend --seeds` recommends
# for playlists the model has never seen, by fold-in method, against
# popularity.  Not a speed benchmark (run.sh does not pick it up).
#
#   bench/foldin_eval.sh DATA MELS STATS LIMIT OUT [TRAIN OPTIONS...]
#
# Trains on the playlists of DATA with pid row < LIMIT (--limit), keeps the
# others as new playlists: each one's first half is given as seeds, the
# second half hidden.  Every method ranks all tracks with an embedding that
# are not seeds; reported: the mean R-precision and AUC of the hidden ones
# (those with an embedding) over the held-out playlists with at least 4
# tracks.  Popularity counts the training playlists only.  OUT keeps the
# model (reused when present) and the figures (OUT/foldin.txt).
set -eu
[ $# -ge 5 ] || { sed -n 2,16p "$0" >&2; exit 2; }
data=$1 mels=$2 stats=$3 limit=$4 out=$5
shift 5
: "${BIN:=$(cd "$(dirname "$0")/.." && pwd)/bin}" "${PYTHON:=/usr/bin/python3}"
dt=$BIN/dcue-train
mkdir -p "$out"
if [ ! -e "$out/model.ckpt" ]; then
	"$dt" train --mpd "$data" --mels "$mels" --stats "$stats" --limit "$limit" \
	  --save "$out/model.ckpt.tmp" --quiet "$@"
	mv -f "$out/model.ckpt.tmp" "$out/model.ckpt"
fi
[ -e "$out/tracks.emb" ] || "$dt" embed --load "$out/model.ckpt" --mpd "$data" --mels "$mels" \
	--tracks "$out/tracks.emb" --quiet
METHODS=${METHODS:-"mean|--foldin mean
sgd|--foldin sgd"}
export dt data out limit METHODS
"$PYTHON" - <<'PY' | tee "$out/foldin.txt"
import os, struct, subprocess
dt, data, out, L = os.environ["dt"], os.environ["data"], os.environ["out"], int(os.environ["limit"])
methods = [l.split("|", 1) for l in os.environ["METHODS"].splitlines() if l.strip()]
b = open(f"{data}/playlists.bin", "rb").read()
P, nnz = struct.unpack_from("<2Q", b, 16)
o = 72
pid = struct.unpack_from(f"<{P}I", b, o); o += 4 * P
off = struct.unpack_from(f"<{P + 1}Q", b, o); o += 8 * (P + 1)
tr = struct.unpack_from(f"<{nnz}I", b, o)
ids = [l.split("\t")[0] for l in open(f"{data}/tracks.tsv") if not l.startswith("#")]
e = open(f"{out}/tracks.emb", "rb").read()
n = struct.unpack_from("<Q", e, 16)[0]
has = set(struct.unpack_from(f"<{n}I", e, 72))
pop = [0] * len(ids)
for p in range(min(L, P)):
    for t in tr[off[p]:off[p + 1]]:
        pop[t] += 1

def metrics(ranked, hidden):
    """R-precision and AUC of hidden within the full ranking."""
    R = len(hidden)
    rprec = sum(1 for t in ranked[:R] if t in hidden) / R
    neg_seen, below = 0, 0
    for t in ranked:
        if t in hidden:
            below += (len(ranked) - R) - neg_seen
        else:
            neg_seen += 1
    return rprec, below / (R * (len(ranked) - R))

sums = {}
count = 0
for p in range(L, P):
    t = list(tr[off[p]:off[p + 1]])
    if len(t) < 4:
        continue
    seeds, rest = t[:len(t) // 2], t[len(t) // 2:]
    hidden = {x for x in rest if x in has}
    cands = [x for x in sorted(has) if x not in set(seeds)]
    if not hidden or len(hidden) == len(cands):
        continue
    count += 1
    with open(f"{out}/seeds.txt", "w") as f:
        f.write("".join(ids[x] + "\n" for x in seeds))
    byid = {ids[x]: x for x in cands}
    for name, opts in methods:
        r = subprocess.run([dt, "recommend", "--load", f"{out}/model.ckpt", "--mpd", data,
                            "--embeddings", f"{out}/tracks.emb", "--seeds", f"{out}/seeds.txt",
                            "-k", str(len(ids)), "--quiet"] + opts.split(),
                           check=True, capture_output=True, text=True).stdout
        ranked = [byid[l.split("\t")[1]] for l in r.splitlines() if not l.startswith("#")]
        assert len(ranked) == len(cands), (name, len(ranked), len(cands))
        rp, auc = metrics(ranked, hidden)
        s = sums.setdefault(name, [0.0, 0.0]); s[0] += rp; s[1] += auc
    ranked = sorted(cands, key=lambda x: (-pop[x], x))
    rp, auc = metrics(ranked, hidden)
    s = sums.setdefault("popularity", [0.0, 0.0]); s[0] += rp; s[1] += auc
print(f"# {count} new playlists (rows {L}..{P - 1}), half of each given as seeds")
print("# method\trprecision\tauc")
for name, (rp, auc) in sums.items():
    print(f"{name}\t{rp / count:.4f}\t{auc / count:.4f}")
PY
