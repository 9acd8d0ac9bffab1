# tests/lib.sh — helpers shared by the command-line tests (sourced, not run).

# fails STATUS PATTERN COMMAND...: COMMAND must exit with STATUS and write a
# line matching PATTERN on stderr (its outputs are left in out.txt, err.txt).
fails() {
	local want=$1 pat=$2 rc=0
	shift 2
	"$@" > out.txt 2> err.txt || rc=$?
	[ "$rc" -eq "$want" ] || { echo "expected exit $want, got $rc: $*"; cat err.txt; exit 1; }
	grep -q -- "$pat" err.txt || { echo "stderr lacks '$pat': $*"; cat err.txt; exit 1; }
}
