# dcue-train under mpirun where each rank reads its own copy of the mels
# (the same command, run in two folders with --wdir: textually identical
# options, different files behind the relative --mels).  With --skip-bad a
# .mel bad on one rank only is dropped by every rank, each naming the rank
# that found it bad: the job trains on exactly what it trains on when the
# file is bad on every rank (the same bits).  Without --skip-bad the job
# ends naming the rank, its host and the file.
set -eu
. "$TESTS/lib.sh"
dt=$BIN/dcue-train
use_mpirun
"$PYTHON" "$TESTS/fixtures/dcue/gen.py" r --tracks 60 --playlists 24
tiny="--mel-bins 16 --embedding-size 8 --channels 8 --hidden 16 --nb-negatives 4 --quiet"
common="--mpd r/mpd --mels r/mels $tiny --batch-size 8 --epochs 2 --steps-per-epoch 6 --skip-bad"
common+=" --save m.ckpt --metrics m.tsv"
# (`! cmd` and `a && b` never stop a `set -e` script: assert with these)
absent() { if grep -q -- "$1" "$2"; then echo "$2 has '$1'"; exit 1; fi; }
differ() { if [ "$1" = "$2" ]; then echo "the same: $3"; exit 1; fi; }
corrupt() {  # file offset: 100 is in the header, 2000 in the payload (its CRC)
	printf 'garbage' | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
host=$(hostname)
a=$(ls r/mels | sed -n 1p); b=$(ls r/mels | sed -n 2p)
a=${a%.mel}; b=${b%.mel}

# h0: track a bad; h1: track b bad; hb: both bad (on every rank); hg: good
for h in h0 h1 hb hg; do mkdir -p $h && cp -r r $h/; done
corrupt h0/r/mels/$a.mel 100; corrupt hb/r/mels/$a.mel 100
corrupt h1/r/mels/$b.mel 2000; corrupt hb/r/mels/$b.mel 2000

# --- both bad everywhere: the reference ---
mpirun -np 2 --wdir hb $dt train $common 2>hb.err
[ "$(grep -c ': skipped$' hb.err)" -eq 4 ]          # each rank found both itself
grep -q "rank 0 on $host: r/mels/$a.mel: skipped on every rank (found bad by rank 0 on $host, rank 1 on $host)" hb.err
grep -q "rank 1 on $host: r/mels/$b.mel: skipped on every rank (found bad by rank 0 on $host, rank 1 on $host)" hb.err

# --- a bad on rank 0's side only, b on rank 1's only: both ranks skip both ---
mpirun -np 1 --wdir h0 $dt train $common : -np 1 --wdir h1 $dt train $common 2>mix.err
for r in 0 1; do
	grep -q "rank $r on $host: r/mels/$a.mel: skipped on every rank (found bad by rank 0 on $host)$" mix.err
	grep -q "rank $r on $host: r/mels/$b.mel: skipped on every rank (found bad by rank 1 on $host)$" mix.err
done
# each rank's own finding, with its reason
grep -q "rank 0 on $host: r/mels/$a.mel: .*: skipped$" mix.err
grep -q "rank 1 on $host: r/mels/$b.mel: .*: skipped$" mix.err
absent "rank 1 on $host: r/mels/$a.mel: .*: skipped$" mix.err
[ "$(grep -c 'skipped on every rank' mix.err)" -eq 4 ]
# the same tracks, split and training as with both bad everywhere: the same bits
[ -s h0/m.ckpt ]                                     # rank 0 writes
[ ! -e h1/m.ckpt ]
[ "$(ckpt_weights hb/m.ckpt)" = "$(ckpt_weights h0/m.ckpt)" ]
diff <(grep '^epoch' hb/m.tsv | cut -f1-7) <(grep '^epoch' h0/m.tsv | cut -f1-7)
# and not the bits of the run where only a is bad (the comparison can fail)
mpirun -np 1 --wdir h0 $dt train $common : -np 1 --wdir hg $dt train $common 2>one.err
absent "$b.mel" one.err
differ "$(ckpt_weights hb/m.ckpt)" "$(ckpt_weights h0/m.ckpt)" "one track bad against two"

# --- without --skip-bad the job ends naming the rank, its host and the file ---
rm -f h0/m.ckpt h0/m.tsv
fails 1 "rank 0 on $host: r/mels/$a.mel: .*--skip-bad" \
	mpirun -np 1 --wdir h0 $dt train ${common/--skip-bad/} : -np 1 --wdir hg $dt train ${common/--skip-bad/}
[ ! -e h0/m.ckpt ]
[ ! -e hg/m.ckpt ]
fails 1 "rank 1 on $host: r/mels/$b.mel: .*--skip-bad" \
	mpirun -np 1 --wdir hg $dt train ${common/--skip-bad/} : -np 1 --wdir h1 $dt train ${common/--skip-bad/}
# --skip-bad on one rank only: the options differ, the job refuses
fails 1 "the options differ from rank 0's" \
	mpirun -np 1 --wdir hg $dt train $common : -np 1 --wdir hg $dt train ${common/--skip-bad/}
if ls -a . h0 h1 hb hg | grep '\.tmp\.'; then echo 'temporary files left'; exit 1; fi
