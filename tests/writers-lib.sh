# tests/writers-lib.sh — helpers for the writers-*.sh tests (sourced): small
# tmpfs folders (a full disk, a read-only folder), a file-size limit, and
# the check that a failed run left its folder exactly as it was.
# They need root (mount); CI and the test machines run as root.

[ "$(id -u)" -eq 0 ] || { echo "writers tests need root (mount -t tmpfs)"; exit 1; }
MOUNTS=()
unmount_all() {
	local m
	for m in "${MOUNTS[@]}"; do umount -l "$m" 2>/dev/null || true; done
}
trap unmount_all EXIT

# tmpfs DIR [SIZE]: a fresh tmpfs at DIR (64k unless SIZE)
tmpfs() {
	mkdir -p "$1"
	mount -t tmpfs -o "size=${2:-64k}" tmpfs "$1"
	MOUNTS+=("$(cd "$1" && pwd)")
}
# fill DIR: no free block left on DIR's file system
fill() { dd if=/dev/zero of="$1/.fill" bs=4k 2>/dev/null || true; sync; }
# readonly DIR: remount a tmpfs read-only (root ignores chmod)
readonly_fs() { mount -o remount,ro "$1"; }

# snap DIR: every name (hidden ones too) and every file's checksum (but
# deezer-fetch's rate-limit state, shared bookkeeping that every request
# rewrites in place, is not an output)
snap() {
	(cd "$1" && find . -mindepth 1 | LC_ALL=C sort &&
	 find . -type f ! -name ratelimit.state -print0 | LC_ALL=C sort -z | xargs -0r sha256sum)
}

# refused STATUS PATTERN DIR COMMAND...: COMMAND exits STATUS, its stderr
# matches PATTERN (the path), and DIR is byte for byte what it was
refused() {
	local want=$1 pat=$2 dir=$3 rc=0 before
	shift 3
	before=$(snap "$dir")
	"$@" > out.txt 2> err.txt || rc=$?
	[ "$rc" -eq "$want" ] || { echo "expected exit $want, got $rc: $*"; cat err.txt; exit 1; }
	grep -q -- "$pat" err.txt || { echo "stderr lacks '$pat': $*"; cat err.txt; exit 1; }
	[ "$(snap "$dir")" = "$before" ] || { echo "$dir changed: $*"; diff <(echo "$before") <(snap "$dir"); exit 1; }
}

# limited COMMAND...: like refused 1, under a file-size limit of 0 blocks
# (ulimit -f 0; stderr goes through a pipe, which the limit does not stop)
limited() {
	local pat=$1 dir=$2 rc before
	shift 2
	before=$(snap "$dir")
	set +e
	( ulimit -f 0; "$@" ) 2>&1 >/dev/null | cat > err.txt
	rc=${PIPESTATUS[0]}
	set -e
	[ "$rc" -eq 1 ] || { echo "expected exit 1 under ulimit -f 0, got $rc: $*"; cat err.txt; exit 1; }
	grep -q -- "$pat" err.txt || { echo "stderr lacks '$pat': $*"; cat err.txt; exit 1; }
	[ "$(snap "$dir")" = "$before" ] || { echo "$dir changed: $*"; diff <(echo "$before") <(snap "$dir"); exit 1; }
}
