# dcue-train similar: the tracks nearest to a track by audio embedding
# (--track, --queries, --audio) — a tiny model on 4 generated genres finds
# a track's own genre — and its bad inputs.
set -eu
. "$TESTS/lib.sh"
dt=$BIN/dcue-train
"$PYTHON" "$TESTS/fixtures/dcue/gen.py" d --tracks 120 --playlists 40 --length 15
tiny="--mel-bins 16 --embedding-size 8 --channels 8 --hidden 16 --nb-negatives 4 --batch-size 4 --threads 2 --quiet"
$dt train --mpd d/mpd --mels d/mels $tiny --epochs 10 --save m.ckpt
$dt embed --load m.ckpt --mpd d/mpd --mels d/mels --tracks t.emb --playlists p.emb --quiet
sim="$dt similar --mpd d/mpd --embeddings t.emb"

# genre = the artist's number: each of the first 12 tracks' 5 nearest
# tracks are mostly of its genre (chance: 1 in 4)
tail -n +2 d/mpd/tracks.tsv | head -12 | cut -f1 > q.txt
$sim --queries q.txt -k 5 > all.tsv
head -1 all.tsv | grep -qx "$(printf '# query\trank\ttrack_id\tscore\tartist\ttitle')"
[ "$(wc -l < all.tsv)" -eq 61 ]
awk -F'\t' 'NR == FNR { if (FNR > 1) g[$1] = $2; next }
	FNR > 1 { n++; same += (g[$1] == $5) }
	END { printf "same genre: %d of %d\n", same, n; exit !(same >= 0.8 * n) }' d/mpd/tracks.tsv all.tsv
# never the query itself; ranks 1..5 by score, descending
awk -F'\t' 'NR > 1 && $1 == $3 { exit 1 }' all.tsv
awk -F'\t' 'NR > 1 { if ($2 > 1 && $4 > prev + 1e-9) exit 1; prev = $4 }' all.tsv

# one --track gives the same lines as its --queries block
id0=$(head -1 q.txt)
$sim --track "$id0" -k 5 > one.tsv
# (one query is an sgemv, a block of them an sgemm: scores may differ in the last
# printed digit, everything else is the same)
diff -u <(tail -n +2 one.tsv | cut -f1,2,4-) <(awk -F'\t' -v q="$id0" '$1 == q' all.tsv | cut -f2,3,5-)
paste <(tail -n +2 one.tsv | cut -f3) <(awk -F'\t' -v q="$id0" '$1 == q' all.tsv | cut -f4) |
	awk -F'\t' '{ d = $1 - $2; if (d > 2e-6 || d < -2e-6) exit 1 } END { exit NR != 5 }'
# --audio embeds the .mel as embed does: the track itself first, cosine 1
$sim --audio d/mels/$id0.mel --load m.ckpt -k 6 > au.tsv
[ "$(sed -n 2p au.tsv | cut -f2,3)" = "$(printf '%s\t1.000000' "$id0")" ]
# (the same neighbours; rounding may swap near ties)
diff -u <(tail -n +2 one.tsv | cut -f2 | sort) <(tail -n +3 au.tsv | cut -f2 | sort)
# k larger than the table: every other track once
$sim --track "$id0" -k 1000 > big.tsv
[ "$(tail -n +2 big.tsv | cut -f2 | sort -u | wc -l)" -eq 119 ]

# --- bad input ---
fails 1 "not in d/mpd/tracks.tsv" $sim --track 0123456789012345678901
fails 2 "needs --embeddings" $dt similar --mpd d/mpd --track "$id0"
fails 2 "one of --track" $sim --track "$id0" --queries q.txt
fails 2 "one of --track" $sim
fails 2 "--load CKPT is required" $sim --audio d/mels/$id0.mel
fails 1 "playlist embeddings" $dt similar --mpd d/mpd --embeddings p.emb --track "$id0"
head -c 200 t.emb > short.emb
fails 1 "short.emb" $dt similar --mpd d/mpd --embeddings short.emb --track "$id0"
echo "0123456789012345678901" > unknown.txt
fails 1 "unknown.txt:1: track 0123456789012345678901 is not in tracks.tsv" $sim --queries unknown.txt
