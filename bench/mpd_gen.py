#!/usr/bin/env python3
"""mpd_gen.py — seeded generator of Million-Playlist-Dataset-shaped slices.

Writes DIR/mpd.slice.A-B.json (optionally gzipped), each {"info": …,
"playlists": [...]} with 1000 playlists (pids A..B), every field the real
dataset has, realistic field lengths, non-ASCII names written as \\u escapes
(as json.dump does by default, like the published files), and a popularity
skew: track k of the catalogue is drawn with probability ~ 1/(k+1)^0.9-ish.

    mpd_gen.py --out DIR [--seed 1] [--slices 1] [--per-slice 1000]
               [--catalogue 200000] [--gzip] [--first-slice 0]

Standard library only; the same arguments give byte-identical files.
"""
import argparse
import gzip
import json
import os
import random

B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
WORDS = ("love night heart fire dream summer rain blue wild gold city road "
         "light dance home lost time baby girl boy river moon sun stars way "
         "world soul sky tonight forever young back down free alive").split()
ACCENTED = ["Beyoncé", "Sigur Rós", "Mötley Crüe", "Françoise", "Björk",
            "José González", "Céline", "Ñandú", "Zoë", "東京", "Ελλάδα", "Дом"]


def b62(rng, n=22):
    return "".join(rng.choice(B62) for _ in range(n))


class Catalogue:
    """Track k's fields depend only on (seed, k), so slices share tracks."""

    def __init__(self, seed, size):
        self.seed, self.size, self.cache = seed, size, {}

    def track(self, k):
        t = self.cache.get(k)
        if t is not None:
            return t
        r = random.Random(self.seed * 1_000_003 + k)
        artist_k = k // 7          # about 7 tracks per artist
        ra = random.Random(self.seed * 7_919 + artist_k)
        artist = " ".join(ra.choice(WORDS).title() for _ in range(ra.randint(1, 3)))
        if ra.random() < 0.08:
            artist = ra.choice(ACCENTED) + " " + artist
        name = " ".join(r.choice(WORDS).title() for _ in range(r.randint(1, 5)))
        u = r.random()
        if u < 0.10:
            name += " (feat. " + r.choice(WORDS).title() + ")"
        elif u < 0.16:
            name += " - Remastered " + str(r.randint(1990, 2017))
        elif u < 0.19:
            name += " - " + r.choice(ACCENTED)
        album_k = k // 3
        rb = random.Random(self.seed * 104_729 + album_k)
        t = {
            "artist_name": artist,
            "track_uri": "spotify:track:" + b62(r),
            "artist_uri": "spotify:artist:" + b62(ra),
            "track_name": name,
            "album_uri": "spotify:album:" + b62(rb),
            "duration_ms": r.randint(90_000, 420_000),
            "album_name": " ".join(rb.choice(WORDS).title() for _ in range(rb.randint(1, 4))),
        }
        if len(self.cache) < 500_000:
            self.cache[k] = t
        return t


def playlist(rng, cat, pid):
    n = min(250, max(5, int(rng.lognormvariate(3.9, 0.75))))
    seen, tracks = set(), []
    for pos in range(n):
        # power-law popularity: small k much more likely
        k = int(cat.size * rng.random() ** 3.2)
        if k in seen and rng.random() < 0.9:
            k = int(cat.size * rng.random())
        seen.add(k)
        t = dict(pos=pos, **cat.track(k))
        tracks.append({key: t[key] for key in ("pos", "artist_name", "track_uri", "artist_uri",
                                              "track_name", "album_uri", "duration_ms",
                                              "album_name")})
    p = {
        "name": " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 3))),
        "collaborative": "true" if rng.random() < 0.02 else "false",
        "pid": pid,
        "modified_at": 1_400_000_000 + rng.randint(0, 110_000_000),
        "num_tracks": n,
        "num_albums": len({t["album_uri"] for t in tracks}),
        "num_followers": 1 + int(rng.paretovariate(2.0)) - 1,
        "num_edits": rng.randint(1, 40),
        "duration_ms": sum(t["duration_ms"] for t in tracks),
        "num_artists": len({t["artist_uri"] for t in tracks}),
        "tracks": tracks,
    }
    if rng.random() < 0.02:
        p["description"] = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 12)))
    return p


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--slices", type=int, default=1)
    ap.add_argument("--first-slice", type=int, default=0)
    ap.add_argument("--per-slice", type=int, default=1000)
    ap.add_argument("--catalogue", type=int, default=200_000)
    ap.add_argument("--gzip", action="store_true")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    cat = Catalogue(a.seed, a.catalogue)
    for s in range(a.first_slice, a.first_slice + a.slices):
        lo, hi = s * a.per_slice, (s + 1) * a.per_slice - 1
        rng = random.Random(a.seed * 1_000_000_007 + s)
        doc = {
            "info": {"generated_on": "2017-12-03 08:41:42.057563", "slice": f"{lo}-{hi}",
                     "version": "v1"},
            "playlists": [playlist(rng, cat, pid) for pid in range(lo, hi + 1)],
        }
        name = os.path.join(a.out, f"mpd.slice.{lo}-{hi}.json")
        text = json.dumps(doc, indent=4).encode()
        if a.gzip:
            with gzip.GzipFile(name + ".gz", "wb", mtime=0) as f:
                f.write(text)
        else:
            with open(name, "wb") as f:
                f.write(text)


if __name__ == "__main__":
    main()
