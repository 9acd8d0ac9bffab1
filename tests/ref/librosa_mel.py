#!/usr/bin/python3
"""librosa_mel.py — librosa's published log-mel algorithm in plain numpy.

The reference wav2mel is tested against, written from librosa 0.10's source
(filters.mel, core.stft, feature.melspectrogram, core.power_to_db) for the
calls the DCUE reference made:

    S = librosa.feature.melspectrogram(y=y, sr=22050, n_fft=1024,
            hop_length=512, win_length=1024, n_mels=128)   # power 2, Slaney
    librosa.power_to_db(S, ref=np.max)                      # amin 1e-10, top_db 80

Everything is float64 (librosa itself keeps the STFT in complex64), except
the filterbank, which librosa stores as float32 and so is rounded here too.

    librosa_mel.py mel [opts] SAMPLES.f32 POWER.f64 DB.f64
        SAMPLES: raw little-endian float32 mono samples.  Writes the mel
        spectrogram before (POWER) and after (DB) power_to_db, both T x M
        float64 frames-major.  With --log1p, POWER is mel_basis·|STFT| and DB
        is log10(1 + 10·POWER).
    librosa_mel.py filterbank [opts] OUT.f64     the M x K filterbank
    librosa_mel.py check [opts] [--tol DB] [--above DB] SAMPLES.f32 FILE.mel
        compares a .mel file with the reference computed from SAMPLES; exits
        1 when a cell whose reference lies above --above (default -60) differs
        by more than --tol dB (default 0.05; add half a u8 step for u8 files),
        or when the frame count, band count or range differ.

Options: --sr 22050 --n-fft 1024 --hop 512 --mels 128 --pad constant|reflect
         --log1p
"""
import argparse
import sys

import numpy as np


def hz_to_mel(f):
    f = np.asanyarray(f, dtype=np.float64)
    f_sp, min_log_hz = 200.0 / 3, 1000.0
    min_log_mel, logstep = min_log_hz / f_sp, np.log(6.4) / 27.0
    lin = f / f_sp
    return np.where(f >= min_log_hz,
                    min_log_mel + np.log(np.maximum(f, 1e-300) / min_log_hz) / logstep, lin)


def mel_to_hz(m):
    m = np.asanyarray(m, dtype=np.float64)
    f_sp, min_log_hz = 200.0 / 3, 1000.0
    min_log_mel, logstep = min_log_hz / f_sp, np.log(6.4) / 27.0
    return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), f_sp * m)


def mel_filterbank(sr, n_fft, n_mels, fmin=0.0, fmax=None):
    """librosa.filters.mel(htk=False, norm='slaney'), float32 weights."""
    fmax = sr / 2.0 if fmax is None else fmax
    fftfreqs = np.fft.rfftfreq(n=n_fft, d=1.0 / sr)
    mel_f = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))
    fdiff = np.diff(mel_f)
    ramps = np.subtract.outer(mel_f, fftfreqs)
    weights = np.zeros((n_mels, 1 + n_fft // 2), dtype=np.float32)
    for i in range(n_mels):
        lower = -ramps[i] / fdiff[i]
        upper = ramps[i + 2] / fdiff[i + 1]
        weights[i] = np.maximum(0, np.minimum(lower, upper))
    enorm = 2.0 / (mel_f[2:n_mels + 2] - mel_f[:n_mels])
    weights *= enorm[:, np.newaxis]
    return weights.astype(np.float64)


def stft_mag(y, n_fft, hop, pad, power):
    """|librosa.stft(center=True, window='hann')|**power, frames-major T x K."""
    y = np.asarray(y, dtype=np.float64)
    y = np.pad(y, n_fft // 2, mode=pad)
    n_frames = 1 + (len(y) - n_fft) // hop
    n = np.arange(n_fft)
    window = 0.5 - 0.5 * np.cos(2.0 * np.pi * n / n_fft)      # periodic Hann
    idx = np.arange(n_frames)[:, None] * hop + n[None, :]
    spec = np.fft.rfft(y[idx] * window[None, :], axis=1)
    return np.abs(spec) ** power


def melspectrogram(y, sr=22050, n_fft=1024, hop=512, n_mels=128, pad="constant", power=2.0):
    return stft_mag(y, n_fft, hop, pad, power) @ mel_filterbank(sr, n_fft, n_mels).T


def power_to_db(s, amin=1e-10, top_db=80.0):
    """librosa.power_to_db(S, ref=np.max, amin, top_db)."""
    log_spec = 10.0 * np.log10(np.maximum(amin, s))
    log_spec -= 10.0 * np.log10(np.maximum(amin, np.max(s)))
    return np.maximum(log_spec, log_spec.max() - top_db)


def read_mel(p):
    """The .mel reader of docs/mel-format.md."""
    h = np.fromfile(p, np.uint8, 104)
    dt, (T, M) = h[12:16].view("<u4")[0], h[16:32].view("<u8")
    vmin, vmax = h[96:104].view("<f4")
    x = np.fromfile(p, np.uint8 if dt == 1 else "<f4", offset=104).reshape(T, M)
    return (vmin + x.astype(np.float32) * np.float32((vmax - vmin) / 255)) if dt == 1 else x


def reference(args, samples):
    y = np.fromfile(samples, dtype="<f4")
    if args.log1p:
        s = melspectrogram(y, args.sr, args.n_fft, args.hop, args.mels, args.pad, 1.0)
        return s, np.log10(1.0 + 10.0 * s)
    s = melspectrogram(y, args.sr, args.n_fft, args.hop, args.mels, args.pad, 2.0)
    return s, power_to_db(s)


def cmd_check(args):
    _, ref = reference(args, args.samples)
    got = read_mel(args.mel).astype(np.float64)
    if got.shape != ref.shape:
        print(f"{args.mel}: shape {got.shape}, reference {ref.shape}")
        return 1
    mask = ref > args.above
    diff = np.abs(got - ref)
    worst = diff[mask].max() if mask.any() else 0.0
    print(f"{args.mel}: {mask.sum()} of {ref.size} cells above {args.above} dB, "
          f"max |diff| {worst:.4g} dB (tolerance {args.tol}); max {got.max():.4g}, "
          f"min {got.min():.4g}")
    if worst > args.tol or not mask.any():
        return 1
    if not args.log1p and (got.max() != 0.0 or got.min() < -80.0):
        print(f"{args.mel}: values outside [-80, 0] or max not 0 dB")
        return 1
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("command", choices=["mel", "filterbank", "check"])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--sr", type=int, default=22050)
    ap.add_argument("--n-fft", type=int, default=1024)
    ap.add_argument("--hop", type=int, default=512)
    ap.add_argument("--mels", type=int, default=128)
    ap.add_argument("--pad", choices=["constant", "reflect"], default="constant")
    ap.add_argument("--log1p", action="store_true")
    ap.add_argument("--tol", type=float, default=0.05)
    ap.add_argument("--above", type=float, default=-60.0)
    args = ap.parse_args()
    if args.command == "filterbank":
        mel_filterbank(args.sr, args.n_fft, args.mels).tofile(args.files[0])
        return 0
    if args.command == "mel":
        samples, power_out, db_out = args.files
        s, db = reference(args, samples)
        s.astype("<f8").tofile(power_out)
        db.astype("<f8").tofile(db_out)
        return 0
    args.samples, args.mel = args.files
    return cmd_check(args)


if __name__ == "__main__":
    sys.exit(main())
