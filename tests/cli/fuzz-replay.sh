# Every fuzz harness (fuzz/fuzz_*.c, built with fuzz/replay.c's main) over
# its seed corpus and its regression inputs: none may crash, abort, leak
# (under SAN=1) or exit.  The inputs in fuzz/regress/ are the crashes and
# hangs the fuzz campaigns found (docs/fuzzing.md).
set -eu
names=$(cd "$ROOT/fuzz" && ls fuzz_*.c | sed 's/^fuzz_//; s/\.c$//')
[ -n "$names" ]
total=0
for h in $names; do
	bin=$UNIT/fuzz_$h
	[ -x "$bin" ] || { echo "no $bin: build it with make"; exit 1; }
	dirs=()
	[ -d "$ROOT/fuzz/corpus/$h" ] || { echo "fuzz/corpus/$h is missing"; exit 1; }
	dirs+=("$ROOT/fuzz/corpus/$h")
	[ -d "$ROOT/fuzz/regress/$h" ] && dirs+=("$ROOT/fuzz/regress/$h")
	out=$("$bin" "${dirs[@]}") || { echo "fuzz_$h failed: $out"; exit 1; }
	n=${out% inputs}
	[ "$n" -gt 0 ] || { echo "fuzz_$h: no inputs replayed"; exit 1; }
	total=$((total + n))
done
echo "$total inputs replayed"

# the driver itself: a missing input is an error
! "$UNIT/fuzz_mel" nowhere/at/all > out.txt || exit 1
grep -q 'nowhere/at/all' out.txt
