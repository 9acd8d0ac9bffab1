#!/usr/bin/python3
"""make-example.py — the embedded dataset dcue's pipeline runs on by default.

Writes, deterministically from --seed:

  OUT/mpd/mpd.slice.A-B.json   Million Playlist Dataset format slices
  OUT/deezer/previews/ID.mp3   synthetic 30-second previews (ffmpeg, libmp3lame)
  OUT/genres.tsv               the ground truth: track_id, genre, popularity weight
  OUT/deezer/catalogue.tsv     the fake Deezer server's catalogue (written last)

Tracks belong to one of eight synthetic genres whose sound differs in pitch
register, tempo and rhythm, timbre and background noise colour, and varies
between tracks of a genre (key, tempo, melody, levels).  Playlists are mostly
single-genre, some mix two genres, a few carry random tracks; track choice
follows a Zipf-like popularity skew, as in the real MPD.

Cost: audio is synthesised with numpy and encoded by a few ffmpeg processes,
each encoding a batch of files (starting ffmpeg costs ~0.23 s, encoding one
file ~0.06 s).  An interrupted run resumes: finished previews are kept when the
audio parameters are unchanged; every file is written under a temporary name
and renamed.

Python 3 standard library + numpy; ffmpeg on PATH (or --ffmpeg).
"""

import argparse
import ctypes
import hashlib
import json
import math
import multiprocessing
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile

import numpy as np

SR = 22050
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

# Eight genres, as far apart as a spectrogram can tell: register (Hz), tempo,
# notes per beat, scale, harmonic amplitudes (timbre), envelope, 16-step drum
# pattern (K kick, S snare, H hat, . rest), noise colour exponent (power
# ~ f^-alpha: 0 white, 1 pink, 2 brown, -1 blue) and level.
GENRES = [
    dict(name="ambient", lo=110, hi=440, bpm=60, npb=0.5, scale=[0, 2, 4, 7, 9],
         harm=[1.0, 0.3, 0.1], attack=0.6, decay=3.0, chord=[0, 7, 12],
         drums="................", alpha=1.0, noise=0.10, vibrato=0.0, dist=0.0),
    dict(name="techno", lo=55, hi=165, bpm=128, npb=4, scale=[0, 3, 5, 7, 10],
         harm=[1.0, 0.5, 0.33, 0.25, 0.2, 0.16, 0.14], attack=0.005, decay=0.12, chord=[0],
         drums="K.H.K.H.K.H.K.HH", alpha=0.0, noise=0.03, vibrato=0.0, dist=0.0),
    dict(name="folk", lo=196, hi=587, bpm=100, npb=2, scale=[0, 2, 4, 5, 7, 9, 11],
         harm=[1.0, 0.0, 0.11, 0.0, 0.04], attack=0.003, decay=0.35, chord=[0],
         drums="....S.......S...", alpha=2.0, noise=0.04, vibrato=0.0, dist=0.0),
    dict(name="metal", lo=82, hi=247, bpm=170, npb=4, scale=[0, 1, 3, 5, 7, 8, 10],
         harm=[1.0, 0.5, 0.33, 0.25, 0.2], attack=0.002, decay=0.5, chord=[0, 7],
         drums="K.K.S.K.K.K.S.K.", alpha=0.0, noise=0.18, vibrato=0.0, dist=6.0),
    dict(name="hiphop", lo=65, hi=196, bpm=88, npb=1, scale=[0, 3, 5, 7, 10],
         harm=[1.0, 0.2], attack=0.01, decay=0.6, chord=[0],
         drums="K.....K.S...K.S.", alpha=2.0, noise=0.08, vibrato=0.0, dist=0.0, crackle=1),
    dict(name="classical", lo=330, hi=1319, bpm=72, npb=1, scale=[0, 2, 4, 5, 7, 9, 11],
         harm=[1.0, 0.5, 0.33, 0.25, 0.2, 0.16], attack=0.15, decay=1.5, chord=[0, 4, 7],
         drums="................", alpha=1.0, noise=0.01, vibrato=0.006, dist=0.0),
    dict(name="reggae", lo=147, hi=440, bpm=76, npb=2, scale=[0, 2, 4, 7, 9],
         harm=[1.0, 0.6, 0.3, 0.2], attack=0.004, decay=0.08, chord=[0, 4, 7],
         drums="........K...S...", alpha=1.0, noise=0.05, vibrato=0.0, dist=0.0, offbeat=1),
    dict(name="chiptune", lo=523, hi=1760, bpm=150, npb=4, scale=[0, 4, 7, 12],
         harm=[1.0, 0.0, 0.33, 0.0, 0.2, 0.0, 0.14], attack=0.001, decay=0.2, chord=[0],
         drums="K...H.S.K...H.S.", alpha=-1.0, noise=0.06, vibrato=0.0, dist=0.0),
]

WORDS = ("amber autumn blue breeze cedar cloud copper crimson crystal dawn desert drift "
         "echo ember falcon fern fire frost garden ghost glass gold harbor haze heart "
         "hollow honey horizon iris island ivory jade lantern lemon light lotus lunar "
         "maple marble meadow midnight mirror mist moon neon night ocean opal orbit "
         "paper pearl pine prism quartz rain raven river rose ruby sage salt shadow "
         "silver sky slate smoke snow solar spark spring star stone storm summer "
         "sunset thunder tide timber velvet violet wave willow winter wolf zephyr").split()


def parse_args():
    p = argparse.ArgumentParser(
        description="Generate the embedded example dataset (MPD slices, fake Deezer "
                    "catalogue, synthetic previews).")
    p.add_argument("-o", "--out", required=True, help="output folder")
    p.add_argument("--tracks", type=int, default=800, help="unique tracks (default 800)")
    p.add_argument("--playlists", type=int, default=1000, help="playlists (default 1000)")
    p.add_argument("--slice", type=int, default=250, help="playlists per slice file (default 250)")
    p.add_argument("--genres", type=int, default=len(GENRES), help="genres used, 1..8 (default 8)")
    p.add_argument("--seconds", type=float, default=30.0, help="preview length (default 30)")
    p.add_argument("--min-length", type=int, default=8, help="shortest playlist (default 8)")
    p.add_argument("--max-length", type=int, default=60, help="longest playlist (default 60)")
    p.add_argument("--missing", type=float, default=0.01,
                   help="fraction of tracks absent from the catalogue (default 0.01)")
    p.add_argument("--seed", type=int, default=1, help="seed (default 1)")
    p.add_argument("--jobs", type=int, default=2, help="parallel encoders (default 2)")
    p.add_argument("--batch", type=int, default=25, help="files per ffmpeg process (default 25)")
    p.add_argument("--bitrate", default="64k", help="MP3 bit rate (default 64k)")
    p.add_argument("--ffmpeg", default="ffmpeg", help="ffmpeg program (default ffmpeg)")
    a = p.parse_args()
    if a.tracks < 8 or a.playlists < 1 or a.slice < 1 or not 1 <= a.genres <= len(GENRES):
        p.error("need --tracks >= 8, --playlists >= 1, --slice >= 1, 1 <= --genres <= 8")
    if not 1 <= a.min_length <= a.max_length or a.seconds <= 0 or not 0 <= a.missing < 1:
        p.error("need 1 <= --min-length <= --max-length, --seconds > 0, 0 <= --missing < 1")
    if a.jobs < 1 or a.batch < 1:
        p.error("need --jobs >= 1 and --batch >= 1")
    return a


def write_if_changed(path, text):
    """Atomic write; leaves the file (and its mtime) alone when unchanged."""
    try:
        with open(path, encoding="utf-8") as f:
            if f.read() == text:
                return
    except FileNotFoundError:
        pass
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix="." + os.path.basename(path))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


# --- the dataset ----------------------------------------------------------------

def make_tracks(a, rnd):
    """Tracks with id, artist, title, album, duration, genre and popularity weight."""
    per_genre = [a.tracks // a.genres + (1 if g < a.tracks % a.genres else 0)
                 for g in range(a.genres)]
    tracks, seen_ids, seen_names = [], set(), set()
    for g, n in enumerate(per_genre):
        n_artists = max(2, n // 8)
        artists = []
        while len(artists) < n_artists:
            name = "The " + " ".join(w.capitalize() for w in rnd.sample(WORDS, 2)) + "s"
            if name not in artists:
                artists.append(name)
        albums = {ar: [" ".join(w.capitalize() for w in rnd.sample(WORDS, 2))
                       for _ in range(rnd.randint(1, 3))] for ar in artists}
        # Zipf-like popularity inside the genre: the k-th most popular track
        # is chosen about 1/k^0.9 as often as the first.
        ranks = list(range(n))
        rnd.shuffle(ranks)
        for i in range(n):
            while True:
                tid = "".join(rnd.choice(BASE62) for _ in range(22))
                if tid not in seen_ids:
                    break
            artist = rnd.choice(artists)
            while True:
                title = " ".join(w.capitalize() for w in rnd.sample(WORDS, rnd.randint(1, 3)))
                if (artist, title) not in seen_names:
                    break
            seen_ids.add(tid)
            seen_names.add((artist, title))
            tracks.append(dict(id=tid, artist=artist, title=title,
                               album=rnd.choice(albums[artist]),
                               duration_ms=rnd.randint(150000, 330000), genre=g,
                               weight=1.0 / (ranks[i] + 1) ** 0.9,
                               seed=rnd.getrandbits(32)))
    return tracks


def weighted_pick(rnd, items, weights, k, exclude):
    """k distinct items by weight, none from exclude (fewer if not enough)."""
    pool = [(it, w) for it, w in zip(items, weights) if it not in exclude]
    out = []
    while pool and len(out) < k:
        total = sum(w for _, w in pool)
        x, acc = rnd.random() * total, 0.0
        for j, (it, w) in enumerate(pool):
            acc += w
            if acc >= x:
                break
        out.append(it)
        pool.pop(j)
    return out


def make_playlists(a, rnd, tracks):
    by_genre = [[i for i, t in enumerate(tracks) if t["genre"] == g] for g in range(a.genres)]
    w_by_genre = [[tracks[i]["weight"] for i in ix] for ix in by_genre]
    genre_pop = [1.0 / (g + 1) ** 0.5 for g in range(a.genres)]
    every = list(range(len(tracks)))
    every_w = [t["weight"] for t in tracks]
    playlists = []
    for pid in range(a.playlists):
        # lengths skewed towards short playlists, as in the MPD
        length = int(a.min_length + (a.max_length - a.min_length) * rnd.random() ** 2)
        main = weighted_pick(rnd, list(range(a.genres)), genre_pop, 1, ())[0]
        kind = rnd.random()
        if kind < 0.70 or a.genres == 1:        # single-genre, a few strays
            parts = [(main, 0.95)]
        else:                                   # two genres
            other = rnd.choice([g for g in range(a.genres) if g != main])
            parts = [(main, 0.65), (other, 0.30)]
        chosen = []
        for g, frac in parts:
            k = max(1, round(length * frac))
            chosen += weighted_pick(rnd, by_genre[g], w_by_genre[g], k, set(chosen))
        chosen += weighted_pick(rnd, every, every_w, max(0, length - len(chosen)), set(chosen))
        rnd.shuffle(chosen)
        name = "%s %s" % (GENRES[main]["name"], rnd.choice(WORDS))
        playlists.append(dict(pid=pid, name=name, tracks=chosen))
    return playlists


def mpd_slice(tracks, pls, first, last):
    out = []
    for p in pls:
        ts = [tracks[i] for i in p["tracks"]]
        items = [{"pos": pos, "artist_name": t["artist"],
                  "track_uri": "spotify:track:" + t["id"],
                  "artist_uri": "spotify:artist:" + t["id"][::-1],
                  "track_name": t["title"],
                  "album_uri": "spotify:album:" + t["id"][11:] + t["id"][:11],
                  "duration_ms": t["duration_ms"], "album_name": t["album"]}
                 for pos, t in enumerate(ts)]
        out.append({"name": p["name"], "collaborative": "false", "pid": p["pid"],
                    "modified_at": 1500000000 + 86400 * p["pid"],
                    "num_tracks": len(ts), "num_albums": len({t["album"] for t in ts}),
                    "num_followers": 1 + p["pid"] % 7, "tracks": items,
                    "num_edits": 1 + p["pid"] % 5,
                    "duration_ms": sum(t["duration_ms"] for t in ts),
                    "num_artists": len({t["artist"] for t in ts})})
    info = {"generated_on": "2017-12-03 08:41:42.057563", "slice": "%d-%d" % (first, last),
            "version": "v1 (dcue example)"}
    return json.dumps({"info": info, "playlists": out}, indent=1) + "\n"


# --- the sound ------------------------------------------------------------------

_NOISE = {}


def coloured_noise(rng, n, alpha):
    """n samples of unit-RMS noise with power ~ f^-alpha: a random stretch,
    random sign, of a 64-second buffer made once per colour and process
    (shaping a fresh spectrum per track would double the synthesis time)."""
    if alpha not in _NOISE:
        m = 64 * SR
        spec = np.fft.rfft(np.random.default_rng(int(1000 + 10 * alpha)).standard_normal(m))
        f = np.arange(spec.size, dtype=np.float64)
        f[0] = 1.0
        spec *= f ** (-alpha / 2.0)
        spec[0] = 0.0
        x = np.fft.irfft(spec, m)
        _NOISE[alpha] = x / (np.sqrt(np.mean(x * x)) + 1e-12)
    buf = _NOISE[alpha]
    if n >= buf.size:
        return np.resize(buf, n)
    at = int(rng.integers(0, buf.size - n))
    return buf[at:at + n] * (1 if rng.random() < 0.5 else -1)


def drum_sounds(rng):
    t = np.arange(int(0.3 * SR)) / SR
    kick = np.sin(2 * np.pi * (50 * t + 3.0 * (1 - np.exp(-t / 0.03)))) * np.exp(-t / 0.12)
    ts = t[: int(0.2 * SR)]
    snare = (0.7 * rng.standard_normal(ts.size) + 0.5 * np.sin(2 * np.pi * 185 * ts)) \
        * np.exp(-ts / 0.06)
    th = t[: int(0.05 * SR)]
    hat = np.diff(rng.standard_normal(th.size + 1)) * np.exp(-th / 0.012) * 0.5
    return {"K": kick, "S": snare * 0.8, "H": hat}


def synth(g, seed, seconds):
    """One track of genre g: float64 samples in [-1, 1] at SR."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SR)
    t = np.arange(n) / SR
    bpm = g["bpm"] * rng.uniform(0.92, 1.08)
    beat = 60.0 / bpm
    step = beat / g["npb"]
    # root somewhere in the lower part of the register, melody within ~1.5 octaves
    span = math.log2(g["hi"] / g["lo"])
    root = g["lo"] * 2 ** rng.uniform(0, max(0.1, span - 1.0))
    n_notes = int(seconds / step) + 2
    scale = g["scale"]
    deg = np.cumsum(rng.integers(-2, 3, n_notes)) + rng.integers(0, len(scale))
    deg = np.abs(deg) % (2 * len(scale))          # fold into two octaves
    semis = np.array([scale[d % len(scale)] + 12 * (d // len(scale)) for d in deg])
    note = np.minimum((t / step).astype(np.int64), n_notes - 1)
    tn = t - note * step                          # seconds since the note began
    env = (1 - np.exp(-tn / g["attack"])) * np.exp(-tn / g["decay"])
    if g.get("offbeat"):                          # reggae skank: only the "and"s
        env *= (note % 2 == 1)
    harm = np.array(g["harm"]) * rng.uniform(0.7, 1.3, len(g["harm"]))
    voice = np.zeros(n)
    for c in g["chord"]:
        f = root * 2 ** ((semis[note] + c) / 12.0)
        if g["vibrato"]:
            f = f * (1 + g["vibrato"] * np.sin(2 * np.pi * 5.5 * t))
        phase = 2 * np.pi * np.cumsum(f) / SR
        # sin(h x) for h = 1, 2, ... by the recurrence
        # sin((h+1)x) = 2 cos(x) sin(hx) - sin((h-1)x): one sine and cosine in all
        s_prev, s_cur, two_cos = np.zeros(n), np.sin(phase), 2 * np.cos(phase)
        for h, amp in enumerate(harm, 1):
            if h * f.max() >= SR / 2:
                break
            if amp > 0:
                voice += amp * s_cur
            s_prev, s_cur = s_cur, two_cos * s_cur - s_prev
    voice *= env / (len(g["chord"]) * harm.sum())
    if g["dist"]:
        voice = np.tanh(g["dist"] * voice)
    mix = voice
    if g["drums"].strip("."):
        drums = np.zeros(n + SR)
        sounds = drum_sounds(rng)
        sixteenth = beat / 4
        for k in range(int(seconds / sixteenth) + 1):
            hit = g["drums"][k % 16]
            if hit == ".":
                continue
            at = int(k * sixteenth * SR)
            s = sounds[hit]
            drums[at:at + s.size] += s
        mix = mix + 0.6 * rng.uniform(0.7, 1.2) * drums[:n]
    mix = mix + g["noise"] * rng.uniform(0.6, 1.4) * coloured_noise(rng, n, g["alpha"])
    if g.get("crackle"):
        clicks = np.zeros(n)
        clicks[rng.integers(0, n, int(seconds * 12))] = rng.uniform(-0.5, 0.5, int(seconds * 12))
        mix = mix + clicks
    return mix / (np.abs(mix).max() + 1e-9) * 0.89 * rng.uniform(0.7, 1.0)


def worker_init(parent):
    """A pool worker ignores SIGINT (Ctrl-C, or make's interrupt, reaches the
    whole process group) and is stopped by the parent's Pool.terminate(): a
    worker killed by SIGINT while it held the task queue's lock used to hang
    terminate() for ever.  It also ends with its parent, whatever ends that
    (an interrupt before the pool was set up, kill -9): Linux's
    PR_SET_PDEATHSIG, without which it would wait for tasks for ever."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)   # PR_SET_PDEATHSIG
    if os.getppid() != parent:                   # the parent is already gone
        os._exit(1)


def encode_batch(job):
    """Synthesise and encode one batch: [(genre_index, seed, out_path)], params."""
    items, seconds, bitrate, ffmpeg = job
    with tempfile.TemporaryDirectory(dir=os.path.dirname(items[0][2]), prefix=".pcm.") as tmp:
        args = [ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
        outs = []
        for k, (gi, seed, path) in enumerate(items):
            raw = os.path.join(tmp, "%d.raw" % k)
            pcm = (synth(GENRES[gi], seed, seconds) * 32767).astype("<i2")
            pcm.tofile(raw)
            args += ["-f", "s16le", "-ar", str(SR), "-ac", "1", "-i", raw]
        for k, (gi, seed, path) in enumerate(items):
            part = os.path.join(os.path.dirname(path), "." + os.path.basename(path) + ".part.mp3")
            args += ["-map", "%d:a" % k, "-c:a", "libmp3lame", "-b:a", bitrate,
                     "-compression_level", "7", "-fflags", "+bitexact",
                     "-flags:a", "+bitexact", "-map_metadata", "-1", part]
            outs.append((part, path))
        r = subprocess.run(args, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            for part, _ in outs:
                if os.path.exists(part):
                    os.unlink(part)
            return "ffmpeg failed (exit %d): %s" % (r.returncode, r.stderr.strip()[-500:])
        for part, path in outs:
            os.replace(part, path)
    return None


def remove_leftovers(prev_dir):
    """The scratch folders (.pcm.*) and unfinished encodings (.*.part.mp3)
    an interrupted run leaves behind."""
    for f in os.listdir(prev_dir):
        path = os.path.join(prev_dir, f)
        if f.startswith(".pcm.") and os.path.isdir(path):
            shutil.rmtree(path, ignore_errors=True)
        elif f.startswith(".") and f.endswith(".part.mp3"):
            os.unlink(path)


def make_previews(a, tracks, in_catalogue, deezer_ids, prev_dir):
    # the script's own text stands for the synthesis: editing it remakes the audio
    with open(os.path.abspath(__file__), "rb") as f:
        code = hashlib.sha256(f.read()).hexdigest()
    params = json.dumps({"seconds": a.seconds, "bitrate": a.bitrate, "seed": a.seed,
                         "tracks": a.tracks, "genres": a.genres, "code": code}, sort_keys=True)
    stamp = os.path.join(prev_dir, "params.json")
    old = open(stamp).read() if os.path.exists(stamp) else None
    if old != params:                 # different audio: start again
        for f in os.listdir(prev_dir):
            if f.endswith(".mp3"):
                os.unlink(os.path.join(prev_dir, f))
        write_if_changed(stamp, params)
    remove_leftovers(prev_dir)        # of a run killed before it could clean up
    todo = []
    for i, t in enumerate(tracks):
        path = os.path.join(prev_dir, "%d.mp3" % deezer_ids[i])
        if in_catalogue[i] and not os.path.exists(path):
            todo.append((t["genre"], t["seed"], path))
    if not todo:
        return 0
    jobs = [(todo[k:k + a.batch], a.seconds, a.bitrate, a.ffmpeg)
            for k in range(0, len(todo), a.batch)]
    done = 0
    try:
        with multiprocessing.Pool(a.jobs, initializer=worker_init,
                                  initargs=(os.getpid(),)) as pool:
            for err in pool.imap_unordered(encode_batch, jobs):
                if err:
                    pool.terminate()
                    sys.exit("make-example.py: %s" % err)
                done += 1
                if sys.stderr.isatty():
                    sys.stderr.write("\rmake-example.py: encoded %d/%d batches" % (done, len(jobs)))
    except KeyboardInterrupt:
        # leaving the with statement terminated the pool: its workers ignore
        # SIGINT, so none died holding a queue lock that terminate() needs
        remove_leftovers(prev_dir)
        sys.stderr.write("make-example.py: interrupted\n")
        sys.exit(130)
    if sys.stderr.isatty():
        sys.stderr.write("\n")
    return len(todo)


def main():
    a = parse_args()
    rnd = random.Random(a.seed)
    tracks = make_tracks(a, rnd)
    playlists = make_playlists(a, rnd, tracks)
    in_catalogue = [rnd.random() >= a.missing for _ in tracks]
    deezer_ids = [3000000 + 17 * i for i in range(len(tracks))]

    mpd_dir = os.path.join(a.out, "mpd")
    dz_dir = os.path.join(a.out, "deezer")
    prev_dir = os.path.join(dz_dir, "previews")
    for d in (mpd_dir, prev_dir):
        os.makedirs(d, exist_ok=True)

    n_new = make_previews(a, tracks, in_catalogue, deezer_ids, prev_dir)

    names = set()
    for first in range(0, len(playlists), a.slice):
        last = min(first + a.slice, len(playlists)) - 1
        name = "mpd.slice.%d-%d.json" % (first, last)
        names.add(name)
        write_if_changed(os.path.join(mpd_dir, name),
                         mpd_slice(tracks, playlists[first:last + 1], first, last))
    for f in os.listdir(mpd_dir):     # slices of an earlier, larger run
        if f.startswith("mpd.slice.") and f not in names:
            os.unlink(os.path.join(mpd_dir, f))

    write_if_changed(os.path.join(a.out, "genres.tsv"),
                     "# track_id\tgenre\tweight\n" +
                     "".join("%s\t%s\t%.6f\n" % (t["id"], GENRES[t["genre"]]["name"], t["weight"])
                             for t in tracks))
    cat = ["# deezer_id\tartist\ttitle\talbum\tduration\tmp3\n"]
    for i, t in enumerate(tracks):
        if in_catalogue[i]:
            cat.append("%d\t%s\t%s\t%s\t%d\tpreviews/%d.mp3\n" % (
                deezer_ids[i], t["artist"], t["title"], t["album"],
                t["duration_ms"] // 1000, deezer_ids[i]))
    write_if_changed(os.path.join(dz_dir, "catalogue.tsv"), "".join(cat))
    n_entries = sum(len(p["tracks"]) for p in playlists)
    print("make-example.py: %d tracks (%d in the catalogue, %d previews encoded now), "
          "%d playlists, %d entries, %d slices in %s" % (
              len(tracks), sum(in_catalogue), n_new, len(playlists), n_entries,
              len(names), a.out), file=sys.stderr)


if __name__ == "__main__":
    main()
