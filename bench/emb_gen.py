#!/usr/bin/python3
"""emb_gen.py — synthetic track embeddings for bench_similar.sh, in the real
formats: OUT/tracks.tsv (mpd-parse's columns) and OUT/tracks.emb (DCUEEMB,
docs/dcue-train.md#files), deterministic from --seed.

    emb_gen.py OUT [--tracks N] [--dim E] [--clusters C] [--seed S]

Vectors are C cluster centres plus noise, so nearest neighbours exist the way
they do in a trained model's space (random vectors would all be about
equally far apart)."""
import argparse
import os
import struct
import zlib

import numpy as np

B62 = np.frombuffer(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", np.uint8)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--tracks", type=int, default=2262292)
    ap.add_argument("--dim", type=int, default=256)
    ap.add_argument("--clusters", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    os.makedirs(a.out, exist_ok=True)
    N, E = a.tracks, a.dim
    ids = B62[rng.integers(0, 62, size=(N, 22))]
    with open(a.out + "/tracks.tsv.tmp", "w") as f:
        f.write("# track_id\tartist\ttitle\talbum\tduration_ms\tcount\tname\n")
        for i0 in range(0, N, 100000):
            rows = ids[i0:i0 + 100000]
            f.write("".join(f"{r.tobytes().decode()}\tartist {(i0 + j) % 997}\tsong {i0 + j}"
                            f"\talbum\t30000\t1\tsong {i0 + j}\n" for j, r in enumerate(rows)))
    os.replace(a.out + "/tracks.tsv.tmp", a.out + "/tracks.tsv")

    centres = rng.standard_normal((a.clusters, E), dtype=np.float32)
    key = np.arange(N, dtype="<u4")
    vec = np.empty((N, E), dtype="<f4")
    for i0 in range(0, N, 100000):
        n = min(100000, N - i0)
        c = rng.integers(0, a.clusters, size=n)
        vec[i0:i0 + n] = centres[c] + 0.7 * rng.standard_normal((n, E), dtype=np.float32)
    payload_len = key.nbytes + vec.nbytes
    crc = zlib.crc32(vec, zlib.crc32(key)) & 0xFFFFFFFF
    head = b"DCUEEMB\0" + struct.pack("<II4QIIQI", 1, 7, N, E, 0, 0, 0, 0, payload_len, crc)
    head += struct.pack("<I", zlib.crc32(head) & 0xFFFFFFFF)
    with open(a.out + "/tracks.emb.tmp", "wb") as f:
        f.write(head)
        f.write(key.tobytes())
        vec.tofile(f)
    os.replace(a.out + "/tracks.emb.tmp", a.out + "/tracks.emb")


if __name__ == "__main__":
    main()
