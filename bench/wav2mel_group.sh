#!/bin/bash
# wav2mel_group.sh FIRST LAST — decodes mp3/pFIRST.mp3 .. mp3/pLAST.mp3 with
# one ffmpeg, exactly as a wav2mel --batch group does (one f32le output per
# input), to /dev/null: the decoding floor that bench_wav2mel.sh compares
# batch mode with.
set -eu
args=() maps=() k=0
for i in $(seq "$1" "$2"); do
	args+=(-i "file:mp3/p$i.mp3")
	maps+=(-map "$k:a:0" -ac 1 -af aresample=resampler=soxr:rematrix_maxval=1 -ar 22050
	       -f f32le -y /dev/null)
	k=$((k + 1))
done
exec ffmpeg -hide_banner -nostdin -v error "${args[@]}" "${maps[@]}"
