# deezer-fetch --shard I/K: K shares cover every input line exactly once, by
# the documented hash (zlib crc32 of the id mod K), the same on every run;
# fetching K shares against the fake server fetches every track once;
# malformed I/K are usage errors.
set -eu
. "$TESTS/fake-deezer/lib.sh"
. "$TESTS/lib.sh"
fx=$TESTS/fixtures/deezer
df=$BIN/deezer-fetch

# --- usage ---
for bad in 1/0 0/0 3/3 5/2 a/2 -1/2 " 1/2" 1/2x 1/ /2 1//2 1 "" 0/2000000; do
	fails 2 "shard" $df --shard "$bad" --list "$fx/tracks.tsv"
done
fails 2 "needs --shard" $df --list "$fx/tracks.tsv"
$df --help | grep -q -- '--shard I/K'

# --- a cover: 2,000 generated ids in 7 shares ---
"$PYTHON" -c 'import random
r = random.Random(4)
b62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
print("# track_id\tartist\ttitle")
for k in range(2000):
    print("".join(r.choice(b62) for _ in range(22)) + "\tartist %d\ttitle %d" % (k, k))' >ids.tsv
grep -v '^#' ids.tsv | sort >all.txt
: >union.txt
for i in 0 1 2 3 4 5 6; do
	$df --shard $i/7 --list ids.tsv >s$i.txt
	$df --shard $i/7 --list <ids.tsv | cmp - s$i.txt          # stdin, and a rerun: the same
	n=$(wc -l <s$i.txt)
	[ "$n" -gt 200 ] && [ "$n" -lt 380 ] || { echo "share $i/7 has $n of 2000"; exit 1; }
	cat s$i.txt >>union.txt
done
sort union.txt | diff -u all.txt -                            # every line once, none twice
# the documented hash: crc32(id) mod K = I
"$PYTHON" -c 'import sys, zlib
for i in range(7):
    for line in open("s%d.txt" % i):
        assert zlib.crc32(line.split("\t")[0].encode()) % 7 == i, (i, line)'
$df --shard 0/1 --list ids.tsv | sort | diff -u all.txt -

# --- fetching: three hosts' shares against the fake server ---
cp "$fx/catalogue.tsv" .
fake_mp3 a.mp3 440
fake_mp3 b.mp3 660
fake_mp3 c.mp3 880
fake_start catalogue.tsv --log req.log
: >fetched.txt
for i in 0 1 2; do
	rc=0
	$df --api "$API" --cache cache$i --rate none --shard $i/3 "$fx/tracks.tsv" >out$i 2>err$i || rc=$?
	[ "$rc" -eq 0 ] || { cat err$i; exit 1; }
	grep -q "shard $i/3: [0-9]* input lines of 11" err$i
	cut -f1 out$i >>fetched.txt
	[ -z "$(ls cache$i/*.mp3 2>/dev/null | grep -v -f <(cut -f2 out$i))" ]
done
grep -v '_' "$fx/expected.tsv" | cut -f1 | sort >want.txt
sort fetched.txt | diff -u want.txt -
# as many searches as one unsharded run (15: 11 strict + 4 plain fallbacks)
[ "$(grep -c $'\tsearch\t' req.log)" -eq 15 ]
# a rerun of a share takes the same tracks (all cached now)
$df --api "$API" --cache cache1 --rate none --shard 1/3 "$fx/tracks.tsv" >again 2>err
diff -u out1 again
grep -q " 0 fetched, $(wc -l <out1) cached" err
