# dcue-train (train, eval, embed) and dcue-plot on failing disks: a full
# tmpfs, a file-size limit, a read-only folder, a folder that vanished
# before or during the run.  Each names the path, exits 1 and leaves the
# previous outputs byte for byte; the sets (checkpoint + metrics, report +
# per-playlist, track + playlist embeddings, image + --script) are never
# half replaced.
set -eu
. "$TESTS/writers-lib.sh"
dt=$BIN/dcue-train
P=$BIN/dcue-plot
F=$TESTS/fixtures/plot
"$PYTHON" "$TESTS/fixtures/dcue/gen.py" d --tracks 40 --playlists 12 --length 8 >/dev/null
tiny="--mel-bins 16 --embedding-size 8 --channels 8 --hidden 16 --nb-negatives 4 --batch-size 4 --threads 1 --quiet"
data="--mpd d/mpd --mels d/mels"
train() { $dt train $data $tiny --epochs "$3" --save "$1/m.ckpt" --metrics "$2/m.tsv"; }
evalr() { $dt eval $data --load "$3" --quiet --report "$1/r.tsv" --per-playlist "$2/pp.tsv" >/dev/null; }
embed() { $dt embed $data --load "$3" --quiet --tracks "$1/t.emb" --playlists "$2/p.emb"; }
plot() { $P curves --script "$2/c.gp" -o "$1/c.png" "$3"; }
mkdir ref
train ref ref 1 && cp ref/m.ckpt old.ckpt
train ref ref 2 && cp ref/m.ckpt new.ckpt
# old outputs of every command in folder $1 (and $2 for the second member)
olds() {
	train "$1" "$2" 1
	evalr "$1" "$2" old.ckpt
	embed "$1" "$2" old.ckpt
	plot "$1" "$2" $F/metrics.tsv
}
# every command, with new outputs; each must be refused the same way
each() {             # runner PATTERN DIR1 DIR2 SNAPDIR
	local run=$1 pat=$2 a=$3 b=$4 s=$5
	$run 1 "$pat" "$s" train "$a" "$b" 2
	$run 1 "$pat" "$s" evalr "$a" "$b" new.ckpt
	$run 1 "$pat" "$s" embed "$a" "$b" new.ckpt
	$run 1 "$pat" "$s" plot "$a" "$b" ref/m.tsv
}
lim() { shift; limited "$@"; }

# --- a file-size limit ---------------------------------------------------------
mkdir l
olds l l
each lim 'l/[a-z.]*: cannot write: File too large\|l/c.png: expected\|l/c.png: .*killed by signal 25' l l l

# --- a full disk -----------------------------------------------------------------
tmpfs full 1m
mkdir roomy
olds full full
olds roomy full
fill full
each refused 'full/[a-z.]*: cannot write: No space left\|full/c.png: expected' full full full
# the first member's folder has room, the second's is full: neither is replaced
before=$(snap roomy)
each refused 'full/[a-z.]*: cannot write: No space left' roomy full full
[ "$(snap roomy)" = "$before" ]

# --- a read-only folder (the second member's): refused before the work ------------
tmpfs ro 1m
olds ro ro
readonly_fs ro
each refused 'ro/[a-z.]*: cannot write: Read-only file system' roomy ro ro

# --- a folder removed before the run (the first member's) -------------------------
each refused 'gone/[a-z.]*: cannot write: No such file or directory' gone roomy roomy

# --- a folder removed during training: the next checkpoint is an error --------------
mkdir v
rc=0
( $dt train $data $tiny --epochs 100000 --save v/m.ckpt --metrics v/m.tsv 2> err.txt ) &
pid=$!
for _ in $(seq 1 200); do [ -e v/m.ckpt ] && break; sleep 0.05; done
[ -e v/m.ckpt ]
while [ -e v ]; do rm -rf v 2>/dev/null || true; done
wait $pid || rc=$?
[ "$rc" -eq 1 ]
grep -q 'v/m.ckpt: cannot write: No such file or directory' err.txt

# --- and where they can write, every command works ----------------------------------
olds roomy roomy
[ "$(ls -A roomy | LC_ALL=C sort | tr '\n' ' ')" = "c.gp c.png m.ckpt m.tsv p.emb pp.tsv r.tsv t.emb " ]
