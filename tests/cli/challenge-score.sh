# dcue-train score: a perfect submission scores 1, a hopeless one 0 and 51
# clicks, the popularity baseline matches a Python re-implementation,
# TSV = stdout, and every malformed submission, truth or challenge file is
# refused with its name, line and pid (exit 1), never a crash.
set -eu
. "$TESTS/lib.sh"
dt=$BIN/dcue-train
$PYTHON "$TESTS/fixtures/challenge/make-slices.py" sl --tracks 800 --distinct
$BIN/mpd-parse make-challenge -q -o ch --per-category 2 sl
$BIN/mpd-parse -q --challenge ch/challenge_set.json -o data ch/mpd
C="--challenge ch/challenge_set.json --truth ch/truth.json"

# submissions written by Python: kind perfect|miss|reverse, then edits
cat > mksub.py <<'PY'
import gzip, json, random, sys
ch, truth, kind, out = sys.argv[1:5]
c = json.load(open(ch))["playlists"]
t = {p["pid"]: p for p in json.load(open(truth))["playlists"]}
allt = []
for p in t.values():
    allt += [x["track_uri"] for x in p["tracks"]]
rnd = random.Random(3)
B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
lines = ["# made by mksub.py", "team_info,tests,tests@example.com"]
for p in c:
    seeds = {x["track_uri"] for x in p["tracks"]}
    pos = {x["pos"] for x in p["tracks"]}
    held = [x["track_uri"] for i, x in enumerate(t[p["pid"]]["tracks"]) if i not in pos]
    rec = [] if kind in ("miss", "late") else list(held)
    if kind == "reverse":
        rec.reverse()
    while len(rec) < (499 if kind == "late" else 500):
        u = "spotify:track:" + "".join(rnd.choice(B62) for _ in range(22))
        if u not in rec:
            rec.append(u)
    if kind == "late":        # the first held-out track at index 123: clicks 12
        rec.insert(123, held[0])
    lines.append(",".join([str(p["pid"])] + rec))
with gzip.open(out, "wt") as f:
    f.write("\n".join(lines) + "\n")
PY
$PYTHON mksub.py ch/challenge_set.json ch/truth.json perfect perfect.csv.gz
$PYTHON mksub.py ch/challenge_set.json ch/truth.json miss miss.csv.gz
$PYTHON mksub.py ch/challenge_set.json ch/truth.json late late.csv.gz

# --- usage -------------------------------------------------------------------------
$dt score --help | grep -q '^usage: dcue-train score'
$dt --help | grep -q 'dcue-train score --challenge'
fails 2 'needs --challenge FILE and --truth FILE' $dt score perfect.csv.gz
fails 2 'nothing to score' $dt score $C
fails 2 'model' $dt score $C --model 'a b' perfect.csv.gz

# --- a perfect submission: every held-out track first --------------------------------
$dt score $C --model perfect --tsv perfect.tsv perfect.csv.gz > perfect.txt
# 3 metrics x 2 levels x (all + 10 categories)
[ "$(wc -l < perfect.txt)" -eq 66 ]
[ "$(awk '$1 == "rprecision" && $2 == "track" && $5 != "1.0000"' perfect.txt | wc -l)" -eq 0 ]
[ "$(awk '$1 == "ndcg" && $2 == "track" && $5 != "1.0000"' perfect.txt | wc -l)" -eq 0 ]
[ "$(awk '$1 == "clicks" && $5 != "0.0000"' perfect.txt | wc -l)" -eq 0 ]
grep -qx 'rprecision track all perfect 1.0000' perfect.txt
grep -qx 'rprecision track 10 perfect 1.0000' perfect.txt
# the TSV holds the same rows
head -1 perfect.tsv | grep -qx "$(printf '# metric\tlevel\tcategory\tmodel\tvalue')"
diff <(cut -d' ' -f1-4 perfect.txt) <(tail -n +2 perfect.tsv | cut -f1-4 | tr '\t' ' ')
# a plain (not gzipped) file and standard input give the same
gunzip -c perfect.csv.gz > perfect.csv
$dt score $C --model perfect perfect.csv | cmp - perfect.txt
gunzip -c perfect.csv.gz | $dt score $C --model perfect - | cmp - perfect.txt

# --- hopeless and late submissions -----------------------------------------------------
$dt score -q $C miss.csv.gz > miss.txt
grep -qx 'rprecision track all dcue 0.0000' miss.txt
grep -qx 'ndcg track all dcue 0.0000' miss.txt
grep -qx 'clicks track all dcue 51.0000' miss.txt
grep -qx 'clicks artist all dcue 51.0000' miss.txt
$dt score -q $C late.csv.gz > late.txt
grep -qx 'clicks track all dcue 12.0000' late.txt
# every playlist's one hit at index 123 (rank 124): NDCG = mean of (1/log2(125)) / IDCG(|G|)
$PYTHON - ch/challenge_set.json late.txt <<'PY'
import json, math, sys
c = json.load(open(sys.argv[1]))["playlists"]
want = sum((1 / math.log2(125)) / sum(1 / math.log2(i + 2) for i in range(min(500, p["num_holdouts"]))) for p in c) / len(c)
got = [l.split() for l in open(sys.argv[2])]
got = float([l[4] for l in got if l[:3] == ["ndcg", "track", "all"]][0])
assert abs(got - want) < 1e-4, (got, want)
PY
# without --mpd the random fillers have no artist: a warning
$dt score $C miss.csv.gz 2> warn.txt > /dev/null
grep -q 'dcue: [0-9]* of [0-9]* recommended tracks have no known artist' warn.txt

# --- popularity, checked against a re-implementation ----------------------------------
$dt score $C --mpd ch/mpd --popularity data > pop.txt
[ "$(grep -c ' popularity ' pop.txt)" -eq 66 ]
$PYTHON - ch data pop.txt <<'PY'
import json, math, os, sys
ch, data, pop = sys.argv[1:]
rows = [l.split("\t")[0] for l in open(data + "/tracks.tsv") if not l.startswith("#")]
count = {}
art = {}
for f in sorted(os.listdir(ch + "/mpd")):
    for p in json.load(open(ch + "/mpd/" + f))["playlists"]:
        for u in {x["track_uri"].split(":")[2] for x in p["tracks"]}:
            count[u] = count.get(u, 0) + 1
        for x in p["tracks"]:
            art[x["track_uri"].split(":")[2]] = x["artist_uri"]
truth = {p["pid"]: p for p in json.load(open(ch + "/truth.json"))["playlists"]}
for p in truth.values():
    for x in p["tracks"]:
        art.setdefault(x["track_uri"].split(":")[2], x["artist_uri"])
rank = sorted(range(len(rows)), key=lambda r: (-count.get(rows[r], 0), r))
def rprec(g, r):
    gs = set(g); return len(set(r[:len(gs)]) & gs) / len(gs)
def ndcg(g, r):
    gs = set(g); seen = []; 
    for x in r[:500]:
        if x not in seen: seen.append(x)
    dcg = sum(1 / math.log2(i + 2) for i, x in enumerate(seen) if x in gs)
    return dcg / sum(1 / math.log2(i + 2) for i in range(min(500, len(gs))))
def clicks(g, r):
    for i, x in enumerate(r[:500]):
        if x in set(g): return i // 10
    return 51
res = {}
for p in json.load(open(ch + "/challenge_set.json"))["playlists"]:
    seeds = {x["track_uri"].split(":")[2] for x in p["tracks"]}
    pos = {x["pos"] for x in p["tracks"]}
    g = [x["track_uri"].split(":")[2] for i, x in enumerate(truth[p["pid"]]["tracks"]) if i not in pos]
    r = [rows[k] for k in rank if rows[k] not in seeds][:500]
    for lv, f in (("track", lambda v: v), ("artist", lambda v: [art[x] for x in v])):
        for m, fn in (("rprecision", rprec), ("ndcg", ndcg), ("clicks", clicks)):
            res.setdefault((m, lv), []).append(fn(f(g), f(r)))
got = {tuple(l.split()[:2]): float(l.split()[4]) for l in open(pop) if l.split()[2] == "all"}
for k, v in res.items():
    want = sum(v) / len(v)
    assert abs(got[k] - want) < 1e-4, (k, got[k], want)
print("popularity ok", got)
PY
# submission and popularity in one run: both models, submission first
$dt score $C --mpd ch/mpd --popularity data perfect.csv.gz > both.txt
[ "$(head -1 both.txt)" = 'rprecision track all dcue 1.0000' ]
diff <(grep ' popularity ' both.txt) pop.txt
# an MPD folder parsed without the challenge set lacks its seeds
$BIN/mpd-parse -q --limit 5 -o plain ch/mpd
fails 1 'plain/tracks.tsv: pid [0-9]*: seed track [0-9A-Za-z]* is not in it' $dt score $C --popularity plain
# a challenge.tsv line without a pid first: the file and line named (fuzz_challenge_tsv)
cp -r data badtsv
for line in "x12	1" "	1" "-3	1" "4294967295	1" "12345678901	1" ""; do
	{ head -2 data/challenge.tsv; printf '%s\n' "$line"; } > badtsv/challenge.tsv
	fails 1 'badtsv/challenge.tsv: line 3: expected a pid' $dt score $C --popularity badtsv
done
# comments anywhere and a last line without its newline are fine
{ cat data/challenge.tsv; printf '# end'; } > badtsv/challenge.tsv
$dt score $C --mpd ch/mpd --popularity badtsv | cmp - pop.txt

# --- malformed submissions: exit 1, the file, line and pid named ------------------------
gunzip -c perfect.csv.gz > base.csv
p1=$(sed -n 3p base.csv | cut -d, -f1)
seed1=$($PYTHON -c 'import json,sys; p=json.load(open(sys.argv[1]))["playlists"][2]; print(p["pid"], p["tracks"][0]["track_uri"])' ch/challenge_set.json)
bad() {            # pattern, then a shell command turning base.csv into bad.csv
	eval "$2" > bad.csv
	fails 1 "$1" $dt score -q $C bad.csv
	grep -q 'bad.csv' err.txt
}
bad "line 4: pid $p1 appears a second time" 'sed 3p base.csv'
bad "line 3: pid $p1: 499 tracks, not 500" "sed '3s/,[^,]*\$//' base.csv"
bad "line 3: pid $p1: more than 500 tracks, not 500" "sed '3s/\$/,spotify:track:0000000000000000000000/' base.csv"
bad "line 3: pid $p1: track 0000000000000000000000 is listed twice" "sed '3s/,[^,]*\$/,spotify:track:0000000000000000000000/; 3s/,[^,]*,/,spotify:track:0000000000000000000000,/' base.csv"
set -- $seed1
bad "pid $1: track 1 ($(echo $2 | cut -d: -f3)) is one of the playlist's seeds" "awk -F, -v OFS=, '\$1 == $1 { \$2 = \"$2\" } 1' base.csv"
bad "line 2: the first line that is not a comment must be team_info,NAME,ADDR" "grep -v team_info base.csv"
bad "line 2: the first line that is not a comment must be team_info" "sed 's/^team_info.*/team_info,onlyname/' base.csv"
bad "no team_info line" "echo '# nothing'"
bad "pid $p1 is missing from the submission (1 of the 20 challenge playlists are missing)" "sed 3d base.csv"
bad "line 3: pid 99999 is not in the challenge set" "sed '3s/^[0-9]*,/99999,/' base.csv"
bad "line 3: '99999999999999999999' is not a pid" "sed '3s/^[0-9]*,/99999999999999999999,/' base.csv"
bad "line 3: '4294967295' is not a pid" "sed '3s/^[0-9]*,/4294967295,/' base.csv"
bad "line 3: '-1' is not a pid" "sed '3s/^[0-9]*,/-1,/' base.csv"
bad "line 3: pid $p1: track 3 'spotify:track:\\\\xff\\\\xfe' is not spotify:track:" "sed '3s/,[^,]*,/,spotify:track:\\xff\\xfe,/2' base.csv"
bad "line 3: a NUL byte" "sed '3s/,/,\\x00/5' base.csv"
bad "line 4 is longer than 1048576 bytes" "sed 3q base.csv; head -c 1100000 /dev/zero | tr '\\\\0' a; echo"
# a truncated gzip file
head -c 3000 perfect.csv.gz > trunc.csv.gz
fails 1 'trunc.csv.gz: truncated gzip stream' $dt score -q $C trunc.csv.gz
fails 1 'missing.csv.gz' $dt score -q $C missing.csv.gz
# random bytes, gzipped random bytes: an error, never a crash
head -c 200000 /dev/urandom > noise.bin
fails 1 'noise.bin' $dt score -q $C noise.bin
gzip -c noise.bin > noise.gz
fails 1 'noise.gz' $dt score -q $C noise.gz

# --- truth and challenge that do not match ----------------------------------------------
edit() {           # in, out, python editing d
	$PYTHON - "$1" "$3" > "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); exec(sys.argv[2]); json.dump(d, sys.stdout)
PY
}
t0=$($PYTHON -c 'import json,sys; print(json.load(open(sys.argv[1]))["playlists"][5]["pid"])' ch/truth.json)
edit ch/truth.json t1.json 'del d["playlists"][5]'
fails 1 "t1.json: pid $t0 of the challenge set ch/challenge_set.json is missing" $dt score --challenge ch/challenge_set.json --truth t1.json perfect.csv.gz
edit ch/truth.json t2.json 'd["playlists"][5]["tracks"].pop()'
fails 1 "t2.json: pid $t0 holds [0-9]* tracks, but ch/challenge_set.json says num_tracks" $dt score --challenge ch/challenge_set.json --truth t2.json perfect.csv.gz
edit ch/truth.json t3.json 'd["playlists"][5]["tracks"].reverse()'
fails 1 "t3.json: pid $t0: the track at pos 0 is" $dt score --challenge ch/challenge_set.json --truth t3.json perfect.csv.gz
edit ch/truth.json t4.json 'import copy; q = copy.deepcopy(d["playlists"][5]); q["pid"] = 123456; d["playlists"].append(q)'
fails 1 "t4.json: pid 123456 is not in the challenge set" $dt score --challenge ch/challenge_set.json --truth t4.json perfect.csv.gz
edit ch/challenge_set.json c1.json 'd["playlists"][5]["num_holdouts"] = "many"'
fails 1 "c1.json: pid $t0: field 'num_holdouts' not an integer" $dt score --challenge c1.json --truth ch/truth.json perfect.csv.gz
echo '[]' > c2.json
fails 1 "c2.json: not an object with a 'playlists' array" $dt score --challenge c2.json --truth ch/truth.json perfect.csv.gz
echo ok
