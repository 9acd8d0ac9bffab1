# bench_checkpoint.sh — dcue-train's checkpoints against `dd` on the same
# file system: a checkpoint of P playlists (default 1,000,000; H 300,
# E = C = 64, the docs' 1 M configuration: 2.4 GB) written and read by
# bench/ckpt_io.c (ckpt_write / ckpt_read timed inside one process), and
# in the same rounds, alternating, `dd` on a file of the same size:
#   write  dd of a new file, conv=fsync, renamed over the previous one (as
#          the checkpoint's atomic commit does: the old file's pages stay
#          cached until the rename), the same with oflag=direct bs=8M (the
#          device's own pace, around the page cache, as the checkpoint
#          writer goes: docs/formats.md), and dd in place (conv=fsync,
#          O_TRUNC);
#   read   the checkpoint reader goes to the device (O_DIRECT) whatever is
#          cached: against dd iflag=direct bs=8M (the device), dd bs=1M
#          from the page cache (one reused 1 MiB buffer) and dd bs=<the
#          file's size> (a fresh buffer as large as the file, as a
#          reader's destination is), and the first write to that much
#          fresh memory (ckpt_io touch); and the read again with its
#          memory warm (ckpt_io read-warm: as much memory touched and given
#          back just before; on a virtual machine the first touch of memory
#          the host has taken back costs more than the device's transfer).
# With COLD=1, as root, one more round reads each after dropping the page
# cache (echo 1 > /proc/sys/vm/drop_caches: slows everyone's next reads).
# Each line: medians of ROUNDS, wall-clock and CPU (user + system) seconds,
# and the ratio dd / checkpoint (1 = as fast as dd).  Every timed step
# starts SETTLE seconds after the previous one ended: on a virtual machine
# whose host takes freed memory back within seconds, a process started at
# once after another freed gigabytes finds them still backed and touches
# its own memory several times faster than one started later; the pause
# puts every step in the same (later) state.
# env: BIN, ROOT; ROUNDS (3), P (1000000), COLD (0), SETTLE (5), DIR (a
# folder on the file system to measure; default a temporary one under
# TMPDIR or /tmp).
set -eu
: "${ROUNDS:=3}" "${P:=1000000}" "${COLD:=0}" "${SETTLE:=5}"
tmp=$(mktemp -d "${DIR:-${TMPDIR:-/tmp}}/bench-ckpt.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Built against the objects `make` left in build/ (the binaries' own code).
io=$tmp/ckpt_io
cc -O2 -I"$ROOT/common" -I"$ROOT/tools/dcue-train" "$ROOT/bench/ckpt_io.c" \
	"$ROOT/build/tools/dcue-train/lib.a" "$ROOT/build/libdcue.a" \
	$(pkg-config --libs openblas zlib) -ldnnl -lgomp -lm -lpthread -ldl -o "$io"

ck=$tmp/c.ckpt dd=$tmp/dd.bin
"$io" make "$ck" "$P"
bytes=$(stat -c %s "$ck")
mib=$(( (bytes + 1048575) / 1048576 ))
echo "checkpoint of $P playlists: $bytes bytes; dd: $mib blocks of 1 MiB; file system $(df -T "$tmp" | awk 'NR == 2 { print $2 }'); load average $(cut -d' ' -f1-3 /proc/loadavg)"

# each measurement appends "wall cpu" to a file
timed() {   # file, command...: wall and CPU seconds by /usr/bin/time
	local f=$1; shift
	sleep "$SETTLE"
	/usr/bin/time -f '%e %U %S' -o "$tmp/t" "$@" >/dev/null 2>&1
	awk '{ print $1, $2 + $3 }' "$tmp/t" >>"$f"
}
ddw_new() { dd if=/dev/zero of="$dd.new" bs=1M count="$mib" conv=fsync status=none && mv "$dd.new" "$dd"; }
ddw_direct() { dd if=/dev/zero of="$dd.new" bs=8M count="$(( (mib + 7) / 8 ))" oflag=direct conv=fsync status=none && mv "$dd.new" "$dd"; }
ddw_inplace() { dd if=/dev/zero of="$dd" bs=1M count="$mib" conv=fsync status=none; }
ckpt() { sleep "$SETTLE"; "$io" "$2" "$ck" ${3:+"$3"} | awk '{ print $2, $4 }' >>"$1"; }
for f in cw dwn dwd dwi cr crw dr drd drf tch; do : >"$tmp/$f"; done
for _ in $(seq "$ROUNDS"); do
	ckpt "$tmp/cw" write "$P"
	timed "$tmp/dwn" bash -c "$(declare -f ddw_new); dd=$dd mib=$mib ddw_new"
	timed "$tmp/dwd" bash -c "$(declare -f ddw_direct); dd=$dd mib=$mib ddw_direct"
	timed "$tmp/dwi" bash -c "$(declare -f ddw_inplace); dd=$dd mib=$mib ddw_inplace"
	ckpt "$tmp/cr" read
	ckpt "$tmp/crw" read-warm
	timed "$tmp/drd" dd if="$dd" of=/dev/null bs=8M iflag=direct status=none
	timed "$tmp/dr" dd if="$dd" of=/dev/null bs=1M status=none
	timed "$tmp/drf" dd if="$dd" of=/dev/null bs="$bytes" count=1 iflag=fullblock status=none
	sleep "$SETTLE"; "$io" touch "$bytes" | awk '{ print $2, $4 }' >>"$tmp/tch"
done
col() { awk -v c="$1" '{ print $c }' "$2" | median; }
report() {   # name, checkpoint file, dd file
	local cw cc dw dc
	cw=$(col 1 "$2"); cc=$(col 2 "$2"); dw=$(col 1 "$3"); dc=$(col 2 "$3")
	printf '%-44s wall %7.2fs vs %7.2fs: %s   CPU %6.2fs vs %6.2fs: %s   [rounds: %s| %s]\n' "$1" \
		"$cw" "$dw" "$(awk -v c="$cw" -v d="$dw" 'BEGIN { printf "%.2f", d / c }')" \
		"$cc" "$dc" "$(awk -v c="$cc" -v d="$dc" 'BEGIN { printf "%.2f", d / c }')" \
		"$(cut -d' ' -f1 "$2" | tr '\n' ' ')" "$(cut -d' ' -f1 "$3" | tr '\n' ' ')"
}
echo "checkpoint vs dd (ratio dd / checkpoint); checkpoint at $(awk -v b="$bytes" -v s="$(col 1 "$tmp/cw")" 'BEGIN { printf "%.0f", b / s / 1e6 }') MB/s written, $(awk -v b="$bytes" -v s="$(col 1 "$tmp/cr")" 'BEGIN { printf "%.0f", b / s / 1e6 }') MB/s read"
report "write vs dd to a new file + rename" "$tmp/cw" "$tmp/dwn"
report "write vs dd oflag=direct + rename" "$tmp/cw" "$tmp/dwd"
report "write vs dd in place" "$tmp/cw" "$tmp/dwi"
report "read vs dd iflag=direct bs=8M" "$tmp/cr" "$tmp/drd"
report "read, memory warm, vs dd iflag=direct bs=8M" "$tmp/crw" "$tmp/drd"
report "read vs dd bs=1M (page cache)" "$tmp/cr" "$tmp/dr"
report "read vs dd bs=file (page cache, fresh buffer)" "$tmp/cr" "$tmp/drf"
report "read vs first touch of that memory" "$tmp/cr" "$tmp/tch"
if [ "$COLD" = 1 ]; then
	if [ "$(id -u)" != 0 ] || [ ! -w /proc/sys/vm/drop_caches ]; then
		echo "COLD=1 needs root: cold reads skipped"
	else
		: >"$tmp/cc"; : >"$tmp/dc"
		sync; echo 1 >/proc/sys/vm/drop_caches
		ckpt "$tmp/cc" read
		sync; echo 1 >/proc/sys/vm/drop_caches
		timed "$tmp/dc" dd if="$dd" of=/dev/null bs=1M status=none
		report "read after drop_caches vs dd bs=1M" "$tmp/cc" "$tmp/dc"
	fi
fi
