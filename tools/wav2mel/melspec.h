/* melspec.h — librosa's log-mel spectrogram, computed with FFTW.
 *
 * The same numbers as
 *   S = librosa.feature.melspectrogram(y, sr, n_fft, hop_length=hop,
 *           win_length=n_fft, window='hann', center=True, pad_mode=PAD,
 *           power=2.0, n_mels=M, fmin=0, fmax=sr/2, htk=False, norm='slaney')
 *   librosa.power_to_db(S, ref=np.max, amin=1e-10, top_db=80)
 * (docs/wav2mel.md lists every step), or with power 1 for the log1p scale
 * log10(1 + 10·S).
 *
 * Legend: N samples, T frames (1 + N/hop), K = n_fft/2 + 1 FFT bins,
 * M mel bands.  Every buffer is allocated once by melspec_init(); the per-
 * frame loop allocates nothing.  Not thread-safe (one FFTW plan, one frame
 * buffer): use one struct melspec per thread. */
#ifndef DCUE_WAV2MEL_MELSPEC_H
#define DCUE_WAV2MEL_MELSPEC_H

#include <stddef.h>
#include <stdint.h>

#include <fftw3.h>

#include "melfile.h"     /* enum mel_pad, enum mel_scale */

struct melspec_config {
	int sample_rate;       /* Hz */
	int n_fft;             /* even, window length too */
	int hop;
	int n_mels;            /* M */
	int pad;               /* enum mel_pad: centre padding */
	double fmin, fmax;     /* Hz; fmax <= sample_rate / 2 */
};

struct melspec_band {
	int start;             /* first FFT bin with a non-zero weight */
	int len;               /* number of bins (0 for an empty filter) */
	int offset;            /* index of its first weight in weights[] */
};

struct melspec {
	struct melspec_config cfg;
	int n_bins;                  /* K */
	float *window;               /* [n_fft] periodic Hann */
	float *frame;                /* [n_fft] windowed frame (FFTW-aligned) */
	fftwf_complex *spec;         /* [K] */
	float *mag;                  /* [K] |X|^power of one frame */
	struct melspec_band *band;   /* [M] the filterbank's non-zero runs */
	float *weights;              /* [sum of band.len] */
	fftwf_plan plan;
};

/* Defaults of the DCUE reference: 22050 Hz, n_fft 1024, hop 512, 128 bands,
 * constant padding, fmin 0, fmax sr/2. */
void melspec_config_default(struct melspec_config *cfg);
/* 0, or -1 with a reason in err when the configuration is invalid. */
int melspec_config_check(const struct melspec_config *cfg, char *err, size_t errcap);
/* 0, or -1 with a reason in err when the configuration is invalid
 * (melspec_config_check). */
int melspec_init(struct melspec *ms, const struct melspec_config *cfg, char *err, size_t errcap);
void melspec_free(struct melspec *ms);

/* T = 1 + N / hop (librosa's centred frame count for an even n_fft). */
uint64_t melspec_n_frames(const struct melspec *ms, uint64_t n_samples);

/* The filterbank as librosa.filters.mel(norm='slaney') builds it, dense,
 * in double: out [M][K].  Used by melspec_init and by the tests. */
void melspec_filterbank_dense(const struct melspec_config *cfg, double *out);

/* out[T][M] = mel_basis · |STFT(x)|^power, power 1 or 2; x[N], N >= 1. */
void melspec_compute(struct melspec *ms, const float *x, uint64_t n, int power, float *out);
/* Rows t0 .. t1-1 of the same out[T][M], from the first n samples. */
void melspec_compute_frames(struct melspec *ms, const float *x, uint64_t n, int power,
                            uint64_t t0, uint64_t t1, float *out);
/* How many leading frames the first n_avail samples of a longer signal
 * already determine: those frames come out bit for bit as they will when
 * the whole signal is known, so they can be computed while it arrives. */
uint64_t melspec_frames_ready(const struct melspec *ms, uint64_t n_avail);

/* In place, power mel → dB: 10·log10(max(amin, S)) − 10·log10(max(amin,
 * max S)), floored at −top_db.  Returns 1 when the input is silent (max S <=
 * amin, where librosa would give 0 dB everywhere): every value is then set
 * to −top_db.  Returns 0 otherwise. */
int melspec_power_to_db(float *s, size_t n, double amin, double top_db);

/* In place, magnitude mel → log10(1 + 10·S); returns the largest value. */
float melspec_log1p(float *s, size_t n);

#endif
