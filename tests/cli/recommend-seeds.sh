# dcue-train recommend for what the model has never seen: a new playlist
# from its seed tracks (--seeds, fold-in; popularity without seeds), and a
# new track's playlists (--audio).  A tiny model trained on the first 32
# of 40 generated playlists: the last 8 are new to it.
set -eu
. "$TESTS/lib.sh"
dt=$BIN/dcue-train
"$PYTHON" "$TESTS/fixtures/dcue/gen.py" d --tracks 120 --playlists 40 --length 15 --missing 2
tiny="--mel-bins 16 --embedding-size 8 --channels 8 --hidden 16 --nb-negatives 4 --batch-size 4 --threads 2 --quiet"
$dt train --mpd d/mpd --mels d/mels $tiny --epochs 10 --limit 32 --save m.ckpt
$dt embed --load m.ckpt --mpd d/mpd --mels d/mels --tracks t.emb --quiet
rec="$dt recommend --load m.ckpt --mpd d/mpd --embeddings t.emb --quiet"

# the held-out playlists: first half seeds, second half hidden; fold-in
# (both methods) ranks the hidden tracks well above popularity
"$PYTHON" - <<'PY'
import struct
b = open("d/mpd/playlists.bin", "rb").read()
P, nnz = struct.unpack_from("<2Q", b, 16)
o = 72 + 4 * P
off = struct.unpack_from(f"<{P + 1}Q", b, o); o += 8 * (P + 1)
tr = struct.unpack_from(f"<{nnz}I", b, o)
ids = [l.split("\t")[0] for l in open("d/mpd/tracks.tsv") if not l.startswith("#")]
for p in range(32, 40):
    t = tr[off[p]:off[p + 1]]
    open(f"seeds{p}.txt", "w").write("".join(ids[x] + "\n" for x in t[:len(t) // 2]))
    open(f"hidden{p}.txt", "w").write("".join(ids[x] + "\n" for x in t[len(t) // 2:]))
# popularity: the training counts, seeds left out, ties by row
pop = [0] * len(ids)
for p in range(32):
    for x in tr[off[p]:off[p + 1]]:
        pop[x] += 1
s = 0
for p in range(32, 40):
    t = tr[off[p]:off[p + 1]]
    seeds, hidden = set(t[:len(t) // 2]), set(t[len(t) // 2:])
    rank = sorted((x for x in range(len(ids)) if x not in seeds), key=lambda x: (-pop[x], x))
    s += len(hidden & set(rank[:len(hidden)])) / len(hidden)
open("pop.txt", "w").write(f"{s / 8:.4f}\n")
PY
rprec() {   # rprec LIST HIDDEN: R-precision of the hidden tracks in the list
	awk -F'\t' 'NR == FNR { h[$1] = 1; R++; next } /^#/ { next } $1 <= R && ($2 in h) { n++ }
		END { printf "%.4f\n", n / R }' "$2" "$1"
}
for method in mean sgd; do
	for p in $(seq 32 39); do
		$rec --seeds seeds$p.txt -k 100 --foldin $method > r.tsv
		rprec r.tsv hidden$p.txt
	done > rp.txt
	echo "$method: mean R-precision $(awk '{ s += $1 } END { print s / NR }' rp.txt), popularity $(cat pop.txt)"
	awk -v p="$(cat pop.txt)" '{ s += $1 } END { exit !(s / NR > 0.2 && s / NR > p + 0.15) }' rp.txt
done

# the list: header, k lines, never a seed, ids from tracks.tsv
$rec --seeds seeds33.txt -k 10 > r.tsv
head -1 r.tsv | grep -qx "$(printf '# rank\ttrack_id\tscore\tartist\ttitle')"
[ "$(wc -l < r.tsv)" -eq 11 ]
! tail -n +2 r.tsv | cut -f2 | grep -qxFf seeds33.txt || exit 1
[ "$(tail -n +2 r.tsv | cut -f1 | tr '\n' ' ')" = "1 2 3 4 5 6 7 8 9 10 " ]
# the same from stdin, from spotify:track: URIs, with comments, blank lines and repeats
sed 's/^/spotify:track:/' seeds33.txt | { echo '# seeds'; echo; cat; head -1 seeds33.txt; } \
	| $rec --seeds - -k 10 > r2.tsv
cmp r.tsv r2.tsv
# from the mels instead of the embeddings: the same
$dt recommend --load m.ckpt --mpd d/mpd --mels d/mels --quiet --seeds seeds33.txt -k 10 > r3.tsv
cmp r.tsv r3.tsv
# sgd is deterministic under --seed
$rec --seeds seeds33.txt --foldin sgd --seed 3 > s1.tsv
$rec --seeds seeds33.txt --foldin sgd --seed 3 > s2.tsv
cmp s1.tsv s2.tsv

# no seeds: the most popular tracks by their playlist count, with a warning
: > none.txt
$dt recommend --load m.ckpt --mpd d/mpd --embeddings t.emb --seeds none.txt -k 3 > p.tsv 2> err.txt
grep -q "most popular" err.txt
tail -n +2 p.tsv | cut -f2 > top.txt
awk -F'\t' '!/^#/ { print $6 }' d/mpd/tracks.tsv | sort -nr | head -3 > want.txt
tail -n +2 p.tsv | cut -f3 | sed 's/\.000000$//' | diff -u want.txt -
# seeds without a .mel (the last two tracks) have no vector: popularity too, without them
tail -n 2 d/mpd/tracks.tsv | cut -f1 > nomel.txt
$rec --seeds nomel.txt -k 200 > p2.tsv
! tail -n +2 p2.tsv | cut -f2 | grep -qxFf nomel.txt || exit 1
[ "$(wc -l < p2.tsv)" -eq 119 ]

# --audio: the playlists a track fits; playlist p (pid 3p + 7) is genre p % 4,
# track i genre i % 4: track 0's best playlists are mostly genre 0
id0=$(sed -n 2p d/mpd/tracks.tsv | cut -f1)
$dt recommend --load m.ckpt --mpd d/mpd --audio d/mels/$id0.mel -k 5 > a.tsv
head -1 a.tsv | grep -qx "$(printf '# rank\tpid\tscore\ttracks')"
[ "$(wc -l < a.tsv)" -eq 6 ]
[ "$(tail -n +2 a.tsv | awk -F'\t' '(($2 - 7) / 3) % 4 == 0' | wc -l)" -ge 4 ]
# only the model's 32 playlists (pids up to 100)
tail -n +2 a.tsv | awk -F'\t' '{ if ($2 > 100) exit 1 }'

# --- bad input ---
echo "notanid" > bad.txt
fails 1 "bad.txt:1: 'notanid' is not a track id" $rec --seeds bad.txt
{ head -2 seeds33.txt; echo 0123456789012345678901; } > unknown.txt
fails 1 "unknown.txt:3: track 0123456789012345678901 is not in tracks.tsv" $rec --seeds unknown.txt
fails 1 "nothing.txt" $rec --seeds nothing.txt
fails 2 "one of --playlist" $rec --seeds seeds33.txt --playlist 7
fails 2 "one of --playlist" $rec
fails 2 "--foldin" $rec --seeds seeds33.txt --foldin magic
fails 2 "for challenge" $rec --seeds seeds33.txt --foldin trained
fails 1 "nothing.mel" $dt recommend --load m.ckpt --mpd d/mpd --audio nothing.mel
"$PYTHON" "$TESTS/fixtures/dcue/gen.py" wide --tracks 4 --playlists 2 --mel-bins 24
fails 1 "24 mel bands, the model expects 16" $dt recommend --load m.ckpt --mpd d/mpd \
	--audio "$(ls wide/mels/*.mel | head -1)"
