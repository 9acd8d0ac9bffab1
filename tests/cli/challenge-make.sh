# mpd-parse make-challenge and mpd-parse --challenge: the challenge set
# checked field by field against the slices, determinism, all-or-nothing
# outputs, and every bad challenge file (exit 1, file and pid named).
set -eu
. "$TESTS/lib.sh"
mp=$BIN/mpd-parse
$PYTHON "$TESTS/fixtures/challenge/make-slices.py" sl

# --- usage ---------------------------------------------------------------------
$mp --help | grep -q 'make-challenge -o DIR'
fails 2 '-o DIR is required' $mp make-challenge sl
fails 2 'standard input' $mp make-challenge -o x -
fails 2 'make-challenge takes' $mp make-challenge -o x --limit 5 sl
fails 2 'belong to' $mp -o x --per-category 3 sl
fails 2 'per-category' $mp make-challenge -o x --per-category 0 sl

# --- the set, field by field ------------------------------------------------------
$mp make-challenge -q -o ch --per-category 3 --seed 5 sl
$PYTHON - sl ch 3 5 <<'PY'
import json, os, sys
sl, ch, N, H = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
CAT = {1: (0, 1, 0), 2: (1, 1, 0), 3: (5, 1, 0), 4: (5, 0, 0), 5: (10, 1, 0), 6: (10, 0, 0),
       7: (25, 1, 0), 8: (25, 1, 1), 9: (100, 1, 0), 10: (100, 1, 1)}
orig = {}
for f in sorted(os.listdir(sl)):
    for p in json.load(open(os.path.join(sl, f)))["playlists"]:
        orig[p["pid"]] = p
c = json.load(open(os.path.join(ch, "challenge_set.json")))
assert set(c) == {"date", "version", "name", "description", "playlists"}, set(c)
assert c["name"] == "challenge_set" and c["date"] == "2017-12-03"
truth = json.load(open(os.path.join(ch, "truth.json")))
assert "info" in truth
pls = c["playlists"]
assert len(pls) == 10 * N, len(pls)
assert [t["pid"] for t in truth["playlists"]] == [p["pid"] for p in pls], "truth order"
for i, p in enumerate(pls):
    cat = i // N + 1
    k, titled, rnd = CAT[cat]
    o = orig[p["pid"]]
    assert truth["playlists"][i] == o, "truth holds the playlist whole: %d" % p["pid"]
    keys = {"pid", "num_tracks", "num_samples", "num_holdouts", "tracks"} | ({"name"} if titled else set())
    assert set(p) == keys, (cat, set(p))
    if titled:
        assert p["name"] == o["name"]
    n = len(o["tracks"])
    assert p["num_tracks"] == n and p["num_samples"] == k and len(p["tracks"]) == k
    assert p["num_holdouts"] == n - k
    pos = [t["pos"] for t in p["tracks"]]
    assert pos == sorted(set(pos)), pos
    if rnd:
        assert pos != list(range(k)), "random seeds must not be the first ones"
    else:
        assert pos == list(range(k)), (cat, pos)
    for t in p["tracks"]:
        want = dict(o["tracks"][t["pos"]]); want["pos"] = t["pos"]
        assert t == want, (p["pid"], t)
    assert len({t["track_uri"] for t in o["tracks"]}) >= k + H, "long enough"
    seeds = {t["track_uri"] for t in p["tracks"]}
    assert len({t["track_uri"] for t in o["tracks"]} - seeds) >= H
# DIR/mpd: the same slices without the chosen playlists, the others unchanged
chosen = {p["pid"] for p in pls}
rest = {}
for f in sorted(os.listdir(sl)):
    d = json.load(open(os.path.join(ch, "mpd", f)))
    assert d["info"] == json.load(open(os.path.join(sl, f)))["info"]
    for p in d["playlists"]:
        rest[p["pid"]] = p
assert set(rest) == set(orig) - chosen, "mpd/ holds exactly the others"
assert all(rest[k] == orig[k] for k in rest)
print("checked", len(pls), "playlists")
PY

# deterministic; another seed gives another set; a rerun replaces mpd/
$mp make-challenge -q -o ch2 --per-category 3 --seed 5 sl
cmp ch/challenge_set.json ch2/challenge_set.json
cmp ch/truth.json ch2/truth.json
for f in sl/*; do cmp ch/mpd/${f#sl/} ch2/mpd/${f#sl/}; done
$mp make-challenge -q -o ch3 --per-category 3 --seed 6 sl
! cmp -s ch/challenge_set.json ch3/challenge_set.json || exit 1
touch ch2/mpd/stale.json
$mp make-challenge -q -o ch2 --per-category 3 --seed 5 sl
[ ! -e ch2/mpd/stale.json ]
[ -z "$(ls -A ch2 | grep -v -x -e mpd -e truth.json -e challenge_set.json)" ]

# too few long-enough playlists: fewer with a warning, or an error with --strict
$mp make-challenge -o few --per-category 20 sl 2> warn.txt
grep -q 'category 10: 16 playlists instead of 20: no more that are long enough (at least 105 distinct tracks' warn.txt
grep -q 'category 9: 0 playlists instead of 20' warn.txt
[ "$($PYTHON -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["playlists"]))' few/challenge_set.json)" -lt 200 ]
cp -r ch keep
fails 1 'category 10: 16 playlists instead of 20' $mp make-challenge -q --strict -o keep --per-category 20 sl
diff -r ch keep
mkdir empty
# a failure after the slices are written leaves nothing behind (no temporary folder)
mkdir f && touch f/mpd
fails 1 'f/mpd: cannot put the new slices in place' $mp make-challenge -q -o f --per-category 3 sl
[ "$(ls -A f)" = mpd ] && [ -f f/mpd ] || exit 1
fails 1 'empty: no .json' $mp make-challenge -q -o keep empty
diff -r ch keep

# --- mpd-parse --challenge ---------------------------------------------------------
$mp -q --challenge ch/challenge_set.json -o out ch/mpd
$mp dump out/playlists.bin > dump.txt
$PYTHON - ch out dump.txt <<'PY'
import json, sys
ch, out, dump = sys.argv[1:]
c = json.load(open(ch + "/challenge_set.json"))["playlists"]
rows = [l.rstrip("\n").split("\t") for l in open(out + "/tracks.tsv")][1:]
ids = [r[0] for r in rows]
pl = {}
for l in open(dump):
    pid, _, tr = l.rstrip("\n").partition("\t")
    pl[int(pid)] = [ids[int(x)] for x in tr.split()] if tr else []
lines = [l.rstrip("\n").split("\t") for l in open(out + "/challenge.tsv")]
assert lines[0] == ["# pid", "category", "num_samples", "num_holdouts", "num_tracks", "titled", "name"]
assert len(lines) == len(c) + 1
for i, p in enumerate(c):
    pid, cat, ns, nh, nt, titled, name = lines[i + 1]
    assert int(pid) == p["pid"] and int(cat) == i // 3 + 1
    assert (int(ns), int(nh), int(nt)) == (p["num_samples"], p["num_holdouts"], p["num_tracks"])
    assert int(titled) == ("name" in p) and name == p.get("name", "")
    seeds = []
    for t in p["tracks"]:
        u = t["track_uri"].split(":")[2]
        if u not in seeds:
            seeds.append(u)
    assert pl[p["pid"]] == seeds, (p["pid"], pl[p["pid"]], seeds)
print("ok")
PY
grep -c . out/challenge.tsv | grep -qx 31
# --min-count keeps every seed and every challenge playlist
$mp -q --min-count 3 --challenge ch/challenge_set.json -o min3 ch/mpd
$mp dump min3/playlists.bin | awk -F'\t' '{ print $1 }' > min3.pids
for pid in $(awk -F'\t' 'NR > 1 { print $1 }' min3/challenge.tsv); do grep -qx "$pid" min3.pids; done
$PYTHON - ch/challenge_set.json min3/tracks.tsv <<'PY'
import json, sys
ids = {l.split("\t")[0] for l in open(sys.argv[2])}
for p in json.load(open(sys.argv[1]))["playlists"]:
    for t in p["tracks"]:
        assert t["track_uri"].split(":")[2] in ids
PY
# --limit does not drop challenge playlists; without --challenge no challenge.tsv is left
$mp -q --limit 10 --challenge ch/challenge_set.json -o lim ch/mpd
[ "$(grep -vc '^#' lim/challenge.tsv)" -eq 30 ]
$mp -q -o lim ch/mpd
[ ! -e lim/challenge.tsv ]

# --- bad challenge files: exit 1, the file and the pid named, OUTDIR untouched ---
mkdir keepout
echo sentinel > keepout/tracks.tsv
# every bad file is made in one Python run: name<TAB>pattern per line in cases.txt
p0=$($PYTHON - ch/challenge_set.json <<'PY'
import copy, json, sys
src = json.load(open(sys.argv[1]))
p0 = src["playlists"][3]["pid"]
cases = [
    ("not an object with a 'playlists' array", 'd = [d]'),
    ("not an object with a 'playlists' array", 'd["playlists"] = {}'),
    ("playlist 2 is not an object", 'd["playlists"][2] = 7'),
    ("playlist 0: field 'pid' missing", 'del d["playlists"][0]["pid"]'),
    ("playlist 0: field 'pid' out of range", 'd["playlists"][0]["pid"] = 2**40'),
    ("pid P0: num_samples + num_holdouts", 'd["playlists"][3]["num_holdouts"] += 1'),
    ("pid P0: num_samples is 1 but 'tracks' holds 2", 'd["playlists"][3]["tracks"].append(d["playlists"][3]["tracks"][0])'),
    ("pid P0: track 0: track_uri", 'd["playlists"][3]["tracks"][0]["track_uri"] = "spotify:track:../x"'),
    ("pid P0: track 0: field 'artist_name' missing", 'del d["playlists"][3]["tracks"][0]["artist_name"]'),
    ("pid P0: track 0: field 'pos' out of range", 'd["playlists"][3]["tracks"][0]["pos"] = -1'),
    ("pid P0: 1 seeds without a name fit none", 'del d["playlists"][3]["name"]'),
    ("pid P0: field 'name' is not a string", 'd["playlists"][3]["name"] = 5'),
    ("pid P0: appears twice", 'd["playlists"].append(d["playlists"][3])'),
    ("pid P0: no held-out tracks", 'q = d["playlists"][3]; q["num_tracks"] = 1; q["num_holdouts"] = 0'),
    ("invalid JSON", None),
]
with open("cases.txt", "w") as cs:
    for i, (pat, edit) in enumerate(cases):
        name = "bad%d.json" % i
        with open(name, "w") as f:
            if edit is None:
                f.write("{")
            else:
                d = copy.deepcopy(src)
                exec(edit)
                json.dump(d, f)
        cs.write("%s\t%s: %s\n" % (name, name, pat.replace("P0", str(p0))))
print(p0)
PY
)
while IFS=$'\t' read -r name pat; do
	fails 1 "$pat" $mp -q --challenge $name -o keepout ch/mpd
	[ "$(cat keepout/tracks.tsv)" = sentinel ] && [ ! -e keepout/playlists.bin ] || exit 1
done < cases.txt
[ "$(wc -l < cases.txt)" -eq 15 ]
# a challenge pid that is also an MPD pid
fails 1 "duplicate pid [0-9]*: in sl/mpd.slice.*and in ch/challenge_set.json" $mp -q --challenge ch/challenge_set.json -o keepout sl
[ "$(cat keepout/tracks.tsv)" = sentinel ]
fails 1 'nothing.json: No such file' $mp -q --challenge nothing.json -o keepout ch/mpd
echo ok
