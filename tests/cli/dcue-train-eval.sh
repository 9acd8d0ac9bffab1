# dcue-train eval, embed and recommend on a small generated dataset: the
# report formats, the model beating its baselines, cold popularity at 1/2,
# embeddings, recommendations, and bad inputs.
set -eu
dt=$BIN/dcue-train
"$PYTHON" "$TESTS/fixtures/dcue/gen.py" d --tracks 120 --playlists 40 --length 15
tiny="--mel-bins 16 --embedding-size 8 --channels 8 --hidden 16 --nb-negatives 4 --batch-size 4 --threads 2 --quiet"
$dt train --mpd d/mpd --mels d/mels $tiny --epochs 10 --save m.ckpt
io="--load m.ckpt --mpd d/mpd --mels d/mels --quiet"

$dt eval $io --report rep.tsv --per-playlist pp.tsv >out.txt
[ "$(wc -l <out.txt)" -eq 45 ]           # 5 metrics × 3 settings × 3 models
head -1 rep.tsv | grep -qx "$(printf '# metric\tsetting\tmodel\tvalue')"
head -1 pp.tsv | grep -qx "$(printf '# setting\tmodel\tpid\tauc')"
diff <(tr ' ' '\t' <out.txt | cut -f1-3) <(tail -n +2 rep.tsv | cut -f1-3)
for m in auc recall@10 recall@100 ndcg@100 rprecision; do
	for s in warm cold paper; do grep -q "^$m $s dcue " out.txt; done
done
val() { awk -v m="$1" -v s="$2" -v o="$3" '$1 == m && $2 == s && $3 == o { print $4 }' out.txt; }
# the model learned the genres: well above both baselines
awk -v d="$(val auc cold dcue)" -v p="$(val auc cold popularity)" -v r="$(val auc cold random)" \
	'BEGIN { exit !(d > 0.75 && d > p + 0.15 && d > r + 0.15) }'
awk -v d="$(val auc warm dcue)" 'BEGIN { exit !(d > 0.75) }'
# cold tracks have no training playlists: popularity is exactly uninformative
[ "$(val auc cold popularity)" = "0.5000" ]
# per-playlist AUCs average to the report's
awk -F'\t' '$1 == "cold" && $2 == "dcue" { s += $4; n++ } END { printf "%.4f\n", s / n }' pp.tsv \
	| grep -qx "$(val auc cold dcue)"
# deterministic
$dt eval $io >again.txt
cmp out.txt again.txt

# --- embed ---
$dt embed $io --tracks t.emb --playlists p.emb
"$PYTHON" - <<'PY'
import struct
for path, n, kind in (("t.emb", 120, 0), ("p.emb", 40, 1)):
    b = open(path, "rb").read()
    assert b[:8] == b"DCUEEMB\0", path
    dims = struct.unpack_from("<4Q", b, 16)
    assert dims == (n, 8, kind, 0), dims
    assert len(b) == 72 + n * 4 + n * 8 * 4
PY

# --- recommend: from the mels or from the embeddings, the same list ---
$dt recommend $io --playlist 7 -k 5 >r1.tsv
$dt recommend --load m.ckpt --mpd d/mpd --embeddings t.emb --playlist 7 -k 5 >r2.tsv
cmp r1.tsv r2.tsv
head -1 r1.tsv | grep -qx "$(printf '# rank\ttrack_id\tscore\tartist\ttitle')"
[ "$(wc -l <r1.tsv)" -eq 6 ]
# playlist 7 is genre 0's: its recommendations are mostly genre 0
[ "$(tail -n +2 r1.tsv | cut -f4 | grep -c '^Artist 0$')" -ge 4 ]
# never a track already in the playlist: compare with playlists.bin
"$PYTHON" - <<'PY'
import struct
b = open("d/mpd/playlists.bin", "rb").read()
P, nnz = struct.unpack_from("<2Q", b, 16)
o = 72
pid = struct.unpack_from(f"<{P}I", b, o); o += 4 * P
off = struct.unpack_from(f"<{P + 1}Q", b, o); o += 8 * (P + 1)
tr = struct.unpack_from(f"<{nnz}I", b, o)
ids = [l.split("\t")[0] for l in open("d/mpd/tracks.tsv") if not l.startswith("#")]
p = pid.index(7)
mine = {ids[t] for t in tr[off[p]:off[p + 1]]}
rec = [l.split("\t")[1] for l in open("r1.tsv") if not l.startswith("#")]
assert not mine & set(rec), "recommended a track already in the playlist"
PY

# --- bad inputs ---
rc=0; $dt recommend $io --playlist 8 2>err || rc=$?
[ "$rc" -eq 1 ] && grep -q "no such pid" err
rc=0; $dt eval --load nothing.ckpt --mpd d/mpd --mels d/mels 2>err || rc=$?
[ "$rc" -eq 1 ] && grep -q "nothing.ckpt" err
head -c 1000 m.ckpt >short.ckpt
rc=0; $dt eval --load short.ckpt --mpd d/mpd --mels d/mels 2>err || rc=$?
[ "$rc" -eq 1 ] && grep -q "short.ckpt" err
# the data changed since training (a .mel removed): refused, naming why
rm "$(ls d/mels/*.mel | head -1)"
rc=0; $dt eval $io 2>err || rc=$?
[ "$rc" -eq 1 ] && grep -q "differs from the training run" err
# embed and recommend still work: a track's embedding needs no split
$dt embed ${io/--quiet/} --tracks t2.emb 2>err
grep -q "data changed since training" err
"$PYTHON" -c 'import struct; b = open("t2.emb", "rb").read(); assert struct.unpack_from("<Q", b, 16)[0] == 119'
$dt recommend $io --playlist 7 -k 3 >/dev/null 2>err
rc=0; $dt embed $io 2>err || rc=$?
[ "$rc" -eq 2 ]
