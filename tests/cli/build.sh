# The build's own promises: `make deps` is idempotent (nothing to do once
# installed), `make install` puts every tool under DESTDIR/PREFIX/bin, and
# every tool answers --help and --version in the shared conventions.
set -eu
tools="mpd-parse deezer-fetch wav2mel mel-stats dcue-train dcue-plot"

out=$(make -s -C "$ROOT" deps 2>&1)
[ -z "$out" ] || { echo "make deps did something on a set-up machine: $out"; exit 1; }

make -s -C "$ROOT" install DESTDIR="$PWD/dest" PREFIX=/opt/dcue >/dev/null
for t in $tools; do
	[ -x "dest/opt/dcue/bin/$t" ] || { echo "make install did not install $t"; exit 1; }
	cmp "dest/opt/dcue/bin/$t" "$BIN/$t"
	"$BIN/$t" --help > help.txt
	grep -q "^usage: $t" help.txt || { echo "$t --help lacks a usage line"; exit 1; }
	"$BIN/$t" --version | grep -qx "$t (dcue) [0-9.]*" || { echo "$t --version"; exit 1; }
	set +e
	"$BIN/$t" --no-such-option >/dev/null 2>err
	rc=$?
	set -e
	[ $rc -eq 2 ] || { echo "$t: a bad option exits $rc, expected 2"; exit 1; }
	grep -q "^$t: \|$t: unrecognized" err || { echo "$t: message not prefixed"; cat err; exit 1; }
done
echo ok
