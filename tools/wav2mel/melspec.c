/* melspec.c — see melspec.h.  The steps follow librosa 0.10's source:
 * filters.mel, core.stft (centre padding), feature.melspectrogram,
 * core.power_to_db. */
#define _POSIX_C_SOURCE 200809L
#include "melspec.h"
#include "msg.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double PI = 3.14159265358979323846;
/* The build's -O2 leaves the window, power and dB loops scalar; they are
 * half the mel time when not vectorised (the FFT is the other half). */
#pragma GCC optimize("O3")

void melspec_config_default(struct melspec_config *cfg)
{
	cfg->sample_rate = 22050;
	cfg->n_fft = 1024;
	cfg->hop = 512;
	cfg->n_mels = 128;
	cfg->pad = MEL_PAD_CONSTANT;
	cfg->fmin = 0.0;
	cfg->fmax = 0.0;       /* 0: sample_rate / 2 */
}

/* Slaney's auditory-toolbox mel scale (librosa htk=False): linear below
 * 1 kHz (200/3 Hz per mel), logarithmic above. */
static double hz_to_mel(double f)
{
	const double f_sp = 200.0 / 3.0, min_log_hz = 1000.0;
	const double min_log_mel = min_log_hz / f_sp, logstep = log(6.4) / 27.0;

	if (f >= min_log_hz)
		return min_log_mel + log(f / min_log_hz) / logstep;
	return f / f_sp;
}

static double mel_to_hz(double m)
{
	const double f_sp = 200.0 / 3.0, min_log_hz = 1000.0;
	const double min_log_mel = min_log_hz / f_sp, logstep = log(6.4) / 27.0;

	if (m >= min_log_mel)
		return min_log_hz * exp(logstep * (m - min_log_mel));
	return f_sp * m;
}

static double cfg_fmax(const struct melspec_config *cfg)
{
	return cfg->fmax > 0.0 ? cfg->fmax : cfg->sample_rate / 2.0;
}

void melspec_filterbank_dense(const struct melspec_config *cfg, double *out)
{
	int M = cfg->n_mels, K = cfg->n_fft / 2 + 1;
	double *mel_f = xmalloc((size_t)(M + 2) * sizeof *mel_f);
	double lo = hz_to_mel(cfg->fmin), hi = hz_to_mel(cfg_fmax(cfg));

	/* np.linspace(lo, hi, M + 2), then back to Hz */
	for (int i = 0; i < M + 2; i++)
		mel_f[i] = mel_to_hz(lo + (hi - lo) * i / (M + 1));
	for (int m = 0; m < M; m++) {
		double fdiff_lo = mel_f[m + 1] - mel_f[m], fdiff_hi = mel_f[m + 2] - mel_f[m + 1];
		double enorm = 2.0 / (mel_f[m + 2] - mel_f[m]);       /* Slaney area norm */
		for (int k = 0; k < K; k++) {
			double f = (double)k * cfg->sample_rate / cfg->n_fft;  /* rfftfreq */
			double lower = -(mel_f[m] - f) / fdiff_lo;
			double upper = (mel_f[m + 2] - f) / fdiff_hi;
			double w = fmin(lower, upper);
			/* librosa stores the weights as float32 before use */
			out[(size_t)m * K + k] = (double)(float)((w > 0.0 ? w : 0.0) * enorm);
		}
	}
	free(mel_f);
}

int melspec_config_check(const struct melspec_config *cfg, char *err, size_t errcap)
{
	if (cfg->sample_rate < 1000 || cfg->sample_rate > 384000)
		snprintf(err, errcap, "sample rate %d is out of range [1000, 384000]", cfg->sample_rate);
	else if (cfg->n_fft < 16 || cfg->n_fft > 65536 || cfg->n_fft % 2 != 0)
		snprintf(err, errcap, "n_fft %d must be even and in [16, 65536]", cfg->n_fft);
	else if (cfg->hop < 1 || cfg->hop > cfg->n_fft)
		snprintf(err, errcap, "hop %d must be in [1, n_fft]", cfg->hop);
	else if (cfg->n_mels < 1 || cfg->n_mels > 4096)
		snprintf(err, errcap, "n_mels %d is out of range [1, 4096]", cfg->n_mels);
	else if (cfg->pad != MEL_PAD_CONSTANT && cfg->pad != MEL_PAD_REFLECT)
		snprintf(err, errcap, "unknown padding %d", cfg->pad);
	else if (!(cfg->fmin >= 0.0) || !(cfg_fmax(cfg) > cfg->fmin) ||
	         cfg_fmax(cfg) > cfg->sample_rate / 2.0)
		snprintf(err, errcap, "frequency range [%g, %g] Hz is invalid", cfg->fmin, cfg_fmax(cfg));
	else
		return 0;
	return -1;
}

/* The dense filterbank is mostly zeros: keep each band's one non-zero run. */
static void build_sparse(struct melspec *ms)
{
	int M = ms->cfg.n_mels, K = ms->n_bins, total = 0;
	double *dense = xmalloc((size_t)M * K * sizeof *dense);

	melspec_filterbank_dense(&ms->cfg, dense);
	ms->band = xcalloc((size_t)M, sizeof *ms->band);
	for (int m = 0; m < M; m++) {
		const double *row = dense + (size_t)m * K;
		int first = -1, last = -1;
		for (int k = 0; k < K; k++)
			if (row[k] != 0.0) {
				if (first < 0)
					first = k;
				last = k;
			}
		ms->band[m].start = first < 0 ? 0 : first;
		ms->band[m].len = first < 0 ? 0 : last - first + 1;
		ms->band[m].offset = total;
		total += ms->band[m].len;
	}
	ms->weights = xmalloc((size_t)(total ? total : 1) * sizeof *ms->weights);
	for (int m = 0; m < M; m++)
		for (int k = 0; k < ms->band[m].len; k++)
			ms->weights[ms->band[m].offset + k] =
				(float)dense[(size_t)m * K + ms->band[m].start + k];
	free(dense);
}

/* A 1024-point plan FFTW_PATIENT chose on the development machine (FFTW
 * 3.3.10, AVX): 1.3 ms per 30 s preview instead of FFTW_ESTIMATE's 2.0 ms.
 * Shipped as wisdom rather than measured at start-up because a measured
 * plan can change from run to run, and with it the last bits of the
 * output; this way every run on a machine uses the same algorithm.  Where
 * the wisdom does not apply (another FFTW build, a CPU without AVX, another
 * size), FFTW's estimate is used, which is deterministic too. */
static const char fft_wisdom[] =
	"(fftw-3.3.10 fftwf_wisdom #x9e7d4dee #xdb14fed1 #x34bf76a4 #xeb6e8fdf\n"
	"  (fftwf_codelet_r2cf_16 2 #x11048 #x11048 #x0 #x47d0a12e #xc910d204 #x3dc4a7f4 #x4c581c0f)\n"
	"  (fftwf_codelet_r2cfII_16 2 #x11048 #x11048 #x0 #xe7fc0162 #x17132a32 #x3dd3993f #xb8e0890f)\n"
	"  (fftwf_codelet_n2fv_64_avx 0 #x11048 #x11048 #x0 #x60f7dd6b #xe5962c71 #x960dc0f4 #x2fbec2ab)\n"
	"  (fftwf_codelet_hc2cfdftv_16_sse2 0 #x11048 #x11048 #x0 #x3f67885c #x1d118905 #x1b4c027b #x7ecffc87)\n"
	")\n";

static fftwf_plan make_plan(int n_fft, float *in, fftwf_complex *out)
{
	static int imported;
	fftwf_plan p;

	if (!imported) {
		fftwf_import_wisdom_from_string(fft_wisdom);   /* 0 when it does not apply */
		imported = 1;
	}
	p = fftwf_plan_dft_r2c_1d(n_fft, in, out, FFTW_PATIENT | FFTW_WISDOM_ONLY);
	return p ? p : fftwf_plan_dft_r2c_1d(n_fft, in, out, FFTW_ESTIMATE);
}

int melspec_init(struct melspec *ms, const struct melspec_config *cfg, char *err, size_t errcap)
{
	memset(ms, 0, sizeof *ms);
	if (melspec_config_check(cfg, err, errcap) != 0)
		return -1;
	ms->cfg = *cfg;
	ms->n_bins = cfg->n_fft / 2 + 1;
	ms->window = xmalloc((size_t)cfg->n_fft * sizeof *ms->window);
	/* scipy.signal.get_window('hann', n_fft, fftbins=True): periodic */
	for (int i = 0; i < cfg->n_fft; i++)
		ms->window[i] = (float)(0.5 - 0.5 * cos(2.0 * PI * i / cfg->n_fft));
	ms->frame = fftwf_alloc_real((size_t)cfg->n_fft);
	ms->spec = fftwf_alloc_complex((size_t)ms->n_bins);
	ms->mag = xmalloc((size_t)ms->n_bins * sizeof *ms->mag);
	if (ms->frame == NULL || ms->spec == NULL)
		diex(EXIT_WORK, "out of memory for FFT buffers");
	ms->plan = make_plan(cfg->n_fft, ms->frame, ms->spec);
	if (ms->plan == NULL)
		diex(EXIT_WORK, "FFTW could not plan a %d-point FFT", cfg->n_fft);
	build_sparse(ms);
	return 0;
}

void melspec_free(struct melspec *ms)
{
	if (ms->plan)
		fftwf_destroy_plan(ms->plan);
	fftwf_free(ms->frame);
	fftwf_free(ms->spec);
	free(ms->window);
	free(ms->mag);
	free(ms->band);
	free(ms->weights);
	memset(ms, 0, sizeof *ms);
}

uint64_t melspec_n_frames(const struct melspec *ms, uint64_t n_samples)
{
	return 1 + n_samples / (uint64_t)ms->cfg.hop;
}

/* Sample j of the centre-padded signal (j may lie outside [0, n)):
 * np.pad(mode='constant') gives zeros, mode='reflect' mirrors about the end
 * samples without repeating them, periodically when the pad is longer than
 * the signal. */
static float padded_sample(const float *x, int64_t n, int64_t j, int pad)
{
	if (j >= 0 && j < n)
		return x[j];
	if (pad == MEL_PAD_CONSTANT)
		return 0.0f;
	if (n == 1)
		return x[0];
	int64_t p = 2 * (n - 1);
	j %= p;
	if (j < 0)
		j += p;
	if (j >= n)
		j = p - j;
	return x[j];
}

static void load_frame(struct melspec *ms, const float *x, uint64_t n, uint64_t t)
{
	int n_fft = ms->cfg.n_fft;
	int64_t start = (int64_t)(t * (uint64_t)ms->cfg.hop) - n_fft / 2;

	if (start >= 0 && (uint64_t)start + (uint64_t)n_fft <= n) {
		const float *src = x + start;
		for (int i = 0; i < n_fft; i++)
			ms->frame[i] = src[i] * ms->window[i];
	} else {
		for (int i = 0; i < n_fft; i++)
			ms->frame[i] = padded_sample(x, (int64_t)n, start + i, ms->cfg.pad) *
			               ms->window[i];
	}
}

uint64_t melspec_frames_ready(const struct melspec *ms, uint64_t n_avail)
{
	uint64_t half = (uint64_t)ms->cfg.n_fft / 2;

	/* frame t reads samples up to t·hop + n_fft/2 − 1; the margin of a
	 * whole window keeps the left edge's reflection (x[1 .. n_fft/2]) and
	 * its period 2(n − 1) out of reach of the samples still missing */
	if (n_avail <= (uint64_t)ms->cfg.n_fft)
		return 0;
	return (n_avail - half) / (uint64_t)ms->cfg.hop + 1;
}

void melspec_compute(struct melspec *ms, const float *x, uint64_t n, int power, float *out)
{
	melspec_compute_frames(ms, x, n, power, 0, melspec_n_frames(ms, n), out);
}

void melspec_compute_frames(struct melspec *ms, const float *x, uint64_t n, int power,
                            uint64_t t0, uint64_t t1, float *out)
{
	int K = ms->n_bins, M = ms->cfg.n_mels;

	for (uint64_t t = t0; t < t1; t++) {
		load_frame(ms, x, n, t);
		fftwf_execute(ms->plan);
		if (power == 2) {
			for (int k = 0; k < K; k++)
				ms->mag[k] = ms->spec[k][0] * ms->spec[k][0] + ms->spec[k][1] * ms->spec[k][1];
		} else {
			for (int k = 0; k < K; k++)
				ms->mag[k] = hypotf(ms->spec[k][0], ms->spec[k][1]);
		}
		float *row = out + t * (uint64_t)M;
		for (int m = 0; m < M; m++) {
			const float *w = ms->weights + ms->band[m].offset;
			const float *s = ms->mag + ms->band[m].start;
			float acc = 0.0f;
			for (int k = 0; k < ms->band[m].len; k++)
				acc += w[k] * s[k];
			row[m] = acc;
		}
	}
}

/* 10·log10(x) for finite x > 0, to about 1e-6 dB: x = m·2^e with m in
 * [√½, √2), ln m = 2·atanh(t), t = (m − 1)/(m + 1), |t| < 0.172, by its
 * series to t⁷ (next term below 2e-8).  Branch-free, so the compiler can
 * keep the loop over a whole spectrogram in registers; log10f is 5× slower
 * here and dominated the mel computation. */
static inline float db10(float x)
{
	union { float f; uint32_t u; } v = {.f = x};
	/* shift the exponent so that the mantissa lands in [√½, √2) */
	uint32_t adj = v.u + (0x3f800000u - 0x3f3504f3u);
	int32_t e = (int32_t)(adj >> 23) - 127;
	v.u = (adj & 0x007fffffu) + 0x3f3504f3u;
	float m = v.f, t = (m - 1.0f) / (m + 1.0f), t2 = t * t;
	float ln_m = 2.0f * t * (1.0f + t2 * (1.0f / 3 + t2 * (1.0f / 5 + t2 * (1.0f / 7))));
	/* 10·log10(x) = (10 / ln 10)·(ln m + e·ln 2) */
	return 4.3429448190325175f * ln_m + 3.0102999566398120f * (float)e;
}

int melspec_power_to_db(float *s, size_t n, double amin, double top_db)
{
	float mx = 0.0f;

	for (size_t i = 0; i < n; i++)
		mx = s[i] > mx ? s[i] : mx;
	if (!(mx > amin)) {
		for (size_t i = 0; i < n; i++)
			s[i] = (float)-top_db;
		return 1;
	}
	/* the same expression as the cells', so the loudest one is exactly 0 */
	float ref_db = db10(mx);
	float floor_db = (float)-top_db, fa = (float)amin;
	for (size_t i = 0; i < n; i++) {
		float v = db10(s[i] > fa ? s[i] : fa) - ref_db;
		s[i] = v > floor_db ? v : floor_db;
	}
	return 0;
}

float melspec_log1p(float *s, size_t n)
{
	float mx = 0.0f;

	for (size_t i = 0; i < n; i++) {
		s[i] = log10f(1.0f + 10.0f * s[i]);
		if (s[i] > mx)
			mx = s[i];
	}
	return mx;
}
