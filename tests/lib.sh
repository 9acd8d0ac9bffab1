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

# use_mpirun: for tests that start dcue-train under mpirun.  Fails when
# mpirun is missing; lets it run here (root in a container, 2 ranks on
# however many cores: allowed, so the tests' commands stay the documented
# ones; shared memory only: a faster start, nothing probed on the network);
# and makes `mpirun` skip LeakSanitizer's leak check: Open MPI keeps
# allocations past MPI_Finalize that it would report as dcue-train's, so
# leaks are checked in the one-process runs only.
use_mpirun() {
	command -v mpirun >/dev/null || { echo "mpirun not installed (make deps)"; exit 1; }
	export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
	export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
	export OMPI_MCA_btl=self,vader OMPI_MCA_pml=ob1
	mpirun() { ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" command mpirun "$@"; }
}

# ckpt_weights FILE: the weights and momentum of a dcue-train checkpoint,
# as hex (equal strings: the same training, bit for bit).
ckpt_weights() {
	"$PYTHON" - "$1" <<'PY'
import struct, sys
b = open(sys.argv[1], "rb").read()
n = struct.unpack_from("<Q", b, 16)[0]
meta = struct.unpack_from("<I", b, 48)[0]
print(b[72 + meta:72 + meta + 8 * n].hex())
PY
}
