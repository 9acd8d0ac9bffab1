# dcue-train challenge: a RecSys Challenge 2018 submission for a local
# challenge set (mpd-parse make-challenge) checked line by line, its
# quality on genre playlists, recommend --title, and bad inputs.
set -eu
. "$TESTS/lib.sh"
dt=$BIN/dcue-train
"$PYTHON" "$TESTS/fixtures/dcue/gen-slices.py" g
"$BIN/mpd-parse" make-challenge -q -o ch --per-category 2 g/slices 2>/dev/null
"$BIN/mpd-parse" -q --challenge ch/challenge_set.json -o data ch/mpd
tiny="--mel-bins 16 --embedding-size 16 --channels 16 --hidden 32 --nb-negatives 4 --batch-size 4 --threads 2 --quiet"
$dt train --mpd data --mels g/mels $tiny --epochs 4 --save m.ckpt
$dt embed --load m.ckpt --mpd data --mels g/mels --tracks t.emb --quiet
io="--load m.ckpt --mpd data --embeddings t.emb --challenge ch/challenge_set.json"

$dt challenge $io --titles ch/mpd --team "dcue test" --email a@b.c -o sub.csv.gz 2>err.txt
grep -q "16 playlists: 14 by fold-in of their seeds, 2 by title, 0 by popularity alone" err.txt
gzip -t sub.csv.gz
# line by line: team_info first, then every challenge pid once, in the file's
# order, with 500 distinct spotify:track: URIs of tracks.tsv, none a seed
zcat sub.csv.gz > sub.csv
"$PYTHON" - <<'PY'
import json
ch = json.load(open("ch/challenge_set.json"))
ids = {l.split("\t")[0] for l in open("data/tracks.tsv") if not l.startswith("#")}
genre = {l.split("\t")[0]: l.split("\t")[1] for l in open("data/tracks.tsv") if not l.startswith("#")}
lines = [l.rstrip("\n") for l in open("sub.csv") if not l.startswith("#")]
assert lines[0] == "team_info,dcue test,a@b.c", lines[0]
assert len(lines) == 1 + len(ch["playlists"]), len(lines)
same = total = 0
for l, p in zip(lines[1:], ch["playlists"]):
    f = l.split(",")
    assert f[0] == str(p["pid"]), (f[0], p["pid"])
    assert len(f) == 501, (p["pid"], len(f))
    uris = f[1:]
    assert len(set(uris)) == 500, p["pid"]
    assert all(u.startswith("spotify:track:") and u[14:] in ids for u in uris), p["pid"]
    seeds = {t["track_uri"] for t in p["tracks"]}
    assert not seeds & set(uris), ("a seed recommended", p["pid"])
    # playlist pid is genre pid % 4, as "Artist g": well above chance among the first 10
    want = "Artist %d" % (p["pid"] % 4)
    same += sum(genre[u[14:]] == want for u in uris[:10])
    total += 10
print(f"genre of the first 10: {same} of {total}")
assert same >= 0.4 * total      # chance: 1 in 4
PY
# deterministic, and the same from the mels as from the embeddings
$dt challenge --load m.ckpt --mpd data --mels g/mels --challenge ch/challenge_set.json \
	--titles ch/mpd --team "dcue test" --email a@b.c -o sub2.csv.gz --quiet
zcat sub2.csv.gz | cmp - sub.csv
# --foldin trained: the model's own rows of the playlists with seeds; --foldin mean
for f in trained mean; do
	$dt challenge $io --titles ch/mpd --team t --email e --foldin $f -o $f.csv.gz 2>err.txt
	grep -q "14 by fold-in of their seeds, 2 by title" err.txt
	[ "$(zcat $f.csv.gz | awk -F, 'NR > 1 && NF == 501' | wc -l)" -eq 16 ]
	! zcat $f.csv.gz | cmp -s - sub.csv || exit 1
done
# without --titles the title-only playlists get the most popular tracks
$dt challenge $io --team t --email e -o pop.csv.gz 2>err.txt
grep -q "14 by fold-in of their seeds, 0 by title, 2 by popularity alone" err.txt
pid1=$(awk -F'\t' '$2 == 1 { print $1; exit }' data/challenge.tsv)
top=$(awk -F'\t' '!/^#/ { print NR - 1 "\t" $1 "\t" $6 }' data/tracks.tsv | sort -t$'\t' -k3,3nr -k1,1n | head -3 | cut -f2 | sed 's/^/spotify:track:/' | tr '\n' ,)
zcat pop.csv.gz | grep "^$pid1," | cut -d, -f2-4 | grep -qx "${top%,}"

# recommend --title: the training playlists of that name (normalised)
$dt recommend --load m.ckpt --mpd data --embeddings t.emb --title "  JAZZ!! " --titles ch/mpd \
	-k 10 > j.tsv 2> err.txt
grep -q "training playlists named '  JAZZ!! '" err.txt
[ "$(tail -n +2 j.tsv | cut -f4 | grep -c '^Artist 1$')" -ge 6 ]
$dt recommend --load m.ckpt --mpd data --embeddings t.emb --title "nothing like it" \
	--titles ch/mpd -k 3 > n.tsv 2> err.txt
grep -q "no training playlist of that title: the most popular" err.txt

# --- bad input: exit 1 naming the file and pid, no submission left ---
sed 's/"spotify:track:[0-9A-Za-z]*"/"spotify:track:0123456789012345678901"/' ch/challenge_set.json > bad.json
fails 1 "bad.json: pid [0-9]*: seed track 0123456789012345678901 is not in tracks.tsv" \
	$dt challenge --load m.ckpt --mpd data --embeddings t.emb --challenge bad.json --team t --email e -o bad.csv.gz
[ ! -e bad.csv.gz ]
echo '{"playlists": 3}' > shape.json
fails 1 "shape.json" $dt challenge --load m.ckpt --mpd data --embeddings t.emb --challenge shape.json --team t --email e -o bad.csv.gz
[ ! -e bad.csv.gz ]
fails 2 "no comma" $dt challenge $io --team "a,b" --email e -o x.csv.gz
fails 2 "no comma" $dt challenge $io --team t --email "" -o x.csv.gz
fails 2 "challenge needs" $dt challenge $io --team t --email e
fails 2 "--titles" $dt recommend --load m.ckpt --mpd data --embeddings t.emb --title x
# a catalogue too small for 500 tracks
"$PYTHON" "$TESTS/fixtures/dcue/gen-slices.py" small --tracks 300 --playlists 100
"$BIN/mpd-parse" make-challenge -q -o sch --per-category 1 small/slices 2>/dev/null
"$BIN/mpd-parse" -q --challenge sch/challenge_set.json -o sdata sch/mpd
$dt train --mpd sdata --mels small/mels $tiny --epochs 1 --save s.ckpt
fails 1 "catalogue is too small" $dt challenge --load s.ckpt --mpd sdata --mels small/mels \
	--challenge sch/challenge_set.json --team t --email e -o small.csv.gz
[ ! -e small.csv.gz ]

# --- scored, and plotted: dcue-plot challenge ---
$dt score --challenge ch/challenge_set.json --truth ch/truth.json --mpd ch/mpd \
	--popularity data --tsv eval.tsv sub.csv.gz > eval.txt
val() { awk -v m="$1" -v o="$2" '$1 == m && $2 == "track" && $3 == "all" && $4 == o { print $5 }' eval.txt; }
# fold-in and title matching beat popularity on these genre playlists
awk -v d="$(val rprecision dcue)" -v p="$(val rprecision popularity)" 'BEGIN { exit !(d > p) }'
awk -v d="$(val ndcg dcue)" -v p="$(val ndcg popularity)" 'BEGIN { exit !(d > p) }'
"$BIN/dcue-plot" challenge -o ch.svg --script ch.gp eval.tsv
[ -s ch.svg ]
# the datablocks hold the TSV's values: category all, dcue then popularity
want=$(awk -F'\t' '$1 == "rprecision" && $2 == "track" && $3 == "all" { printf " %s", $5 + 0 }' eval.tsv)
got=$(awk '/^\$rprecision <</ { on = 1; next } on && /^"all"/ { $1 = ""; print; exit }' ch.gp)
awk -v w="$want" -v g="$got" 'BEGIN { split(w, a); split(g, b); exit !(a[1] - b[1] < 1e-6 && b[1] - a[1] < 1e-6 && a[2] - b[2] < 1e-6 && b[2] - a[2] < 1e-6) }'
grep -q '^"1"' ch.gp
! grep -q '^"9"' ch.gp || exit 1                     # no playlist of category 9 in this set
fails 1 "no column" "$BIN/dcue-plot" challenge -o x.svg data/challenge.tsv
[ ! -e x.svg ]
