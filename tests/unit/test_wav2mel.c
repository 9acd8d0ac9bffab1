/* test_wav2mel.c — wav2mel's spectrogram (tools/wav2mel/melspec.c) and
 * decoder (decode.c) against
 *   - tests/ref/librosa_mel.py, librosa's algorithm in numpy (float64): the
 *     power mel within 1e-4 relative and the dB within 0.05 dB in every cell
 *     above -60 dB, for a sine, a chirp, white noise, odd lengths and a
 *     decoded MP3, with both paddings;
 *   - a slow, obviously-correct C reference (a direct DFT in double and the
 *     dense filterbank);
 *   - facts checkable by hand: the 440 Hz band, frame counts, the 0 dB
 *     maximum, reflect vs constant differing only in edge frames, u8 round
 *     trips, silence. */
#define _GNU_SOURCE
#include "check.h"

#include "../../tools/wav2mel/decode.h"
#include "../../tools/wav2mel/melspec.h"
#include "melfile.h"
#include "msg.h"
#include "rng.h"

#include <spawn.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static const double PI = 3.14159265358979323846;
static int san;            /* under sanitizers: shorter signals */

static int run(char *const argv[])
{
	pid_t pid;
	int status;

	if (posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ) != 0)
		return -1;
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static const char *env_or(const char *name, const char *dflt)
{
	const char *v = getenv(name);
	return v && *v ? v : dflt;
}

static void write_raw(const char *path, const void *p, size_t bytes)
{
	FILE *fp = fopen(path, "wb");
	if (fp == NULL || fwrite(p, 1, bytes, fp) != bytes || fclose(fp) != 0)
		die(1, "%s", path);
}

static double *read_f64(const char *path, size_t n)
{
	double *v = xmalloc(n * sizeof *v);
	FILE *fp = fopen(path, "rb");
	size_t got = fp ? fread(v, sizeof *v, n, fp) : 0;
	int extra = fp ? fgetc(fp) : 0;

	if (fp)
		fclose(fp);
	if (got != n || extra != EOF) {
		fprintf(stderr, "%s: expected %zu float64 values\n", path, n);
		free(v);
		return NULL;
	}
	return v;
}

static void config(struct melspec *ms, int pad)
{
	struct melspec_config cfg;
	char err[256];

	melspec_config_default(&cfg);
	cfg.pad = pad;
	if (melspec_init(ms, &cfg, err, sizeof err) != 0)
		diex(1, "melspec_init: %s", err);
}

/* --- against the numpy reference ---------------------------------------- */

struct stats { double max_rel, max_db; size_t bad, cells; };

static void compare_numpy(const char *name, const float *x, size_t n, int pad, int log1p)
{
	const char *py = env_or("PYTHON", "/usr/bin/python3");
	char script[4096];
	struct melspec ms;
	struct stats st = {0, 0, 0, 0};

	snprintf(script, sizeof script, "%s/ref/librosa_mel.py", env_or("TESTS", "../tests"));
	write_raw("sig.f32", x, n * sizeof *x);
	char *argv[] = {(char *)py, script, "mel", "--pad", pad ? "reflect" : "constant",
	                "sig.f32", "ref_power.f64", "ref_db.f64", log1p ? "--log1p" : NULL, NULL};
	if (!CHECK(run(argv) == 0))
		return;
	config(&ms, pad);
	size_t T = melspec_n_frames(&ms, n), M = 128, TM = T * M;
	CHECK_EQ_INT(T, 1 + n / 512);
	double *rp = read_f64("ref_power.f64", TM), *rd = read_f64("ref_db.f64", TM);
	float *s = xmalloc(TM * sizeof *s);
	if (!CHECK(rp != NULL && rd != NULL))
		goto out;
	melspec_compute(&ms, x, n, log1p ? 1 : 2, s);
	double rmax = 0;
	for (size_t i = 0; i < TM; i++)
		rmax = fmax(rmax, rp[i]);
	for (size_t i = 0; i < TM; i++) {
		/* the power (or magnitude) mel, relative, in every cell above -60 dB
		 * (1e-3 of the largest magnitude): float32 rounding lies far below */
		if (log1p ? rp[i] <= 1e-3 * rmax : rd[i] <= -60.0)
			continue;
		double rel = fabs(s[i] - rp[i]) / rp[i];
		st.cells++;
		if (rel > st.max_rel)
			st.max_rel = rel;
		if (rel > 1e-4)
			st.bad++;
	}
	if (log1p) {
		melspec_log1p(s, TM);
		for (size_t i = 0; i < TM; i++) {
			double d = fabs(s[i] - rd[i]);
			if (d > st.max_db)
				st.max_db = d;
			if (d > 1e-4)
				st.bad++;
		}
	} else {
		CHECK(melspec_power_to_db(s, TM, 1e-10, 80.0) == 0);
		float mx = -1000, mn = 1000;
		for (size_t i = 0; i < TM; i++) {
			mx = s[i] > mx ? s[i] : mx;
			mn = s[i] < mn ? s[i] : mn;
			if (rd[i] <= -60.0)
				continue;
			double d = fabs(s[i] - rd[i]);
			if (d > st.max_db)
				st.max_db = d;
			if (d > 0.05)
				st.bad++;
		}
		CHECK(mx == 0.0f);                 /* the loudest cell is exactly 0 dB */
		CHECK(mn >= -80.0f);
	}
	printf("%-22s %-8s T=%zu: %zu cells compared, max rel %.3g, max |dB diff| %.3g\n", name,
	       pad ? "reflect" : "constant", T, st.cells, st.max_rel, st.max_db);
	CHECK(st.cells > TM / 100);
	CHECK_EQ_INT(st.bad, 0);
out:
	free(rp);
	free(rd);
	free(s);
	melspec_free(&ms);
}

static void test_filterbank(void)
{
	const char *py = env_or("PYTHON", "/usr/bin/python3");
	char script[4096];
	struct melspec_config cfg;
	struct melspec ms;
	size_t M = 128, K = 513;

	snprintf(script, sizeof script, "%s/ref/librosa_mel.py", env_or("TESTS", "../tests"));
	char *argv[] = {(char *)py, script, "filterbank", "fb.f64", NULL};
	CHECK(run(argv) == 0);
	double *ref = read_f64("fb.f64", M * K), *fb = xmalloc(M * K * sizeof *fb);
	melspec_config_default(&cfg);
	melspec_filterbank_dense(&cfg, fb);
	double worst = 0;
	for (size_t i = 0; ref && i < M * K; i++)
		worst = fmax(worst, fabs(fb[i] - ref[i]) / fmax(1e-12, fabs(ref[i])));
	CHECK(ref != NULL && worst < 1e-6);
	/* the sparse rows hold exactly the non-zero weights, and no row is empty */
	config(&ms, MEL_PAD_CONSTANT);
	size_t nz = 0, stored = 0;
	for (size_t m = 0; m < M; m++) {
		CHECK(ms.band[m].len > 0);
		stored += (size_t)ms.band[m].len;
		for (size_t k = 0; k < K; k++)
			if (fb[m * K + k] != 0.0) {
				nz++;
				CHECK(k >= (size_t)ms.band[m].start &&
				      k < (size_t)(ms.band[m].start + ms.band[m].len));
				CHECK(ms.weights[ms.band[m].offset + k - ms.band[m].start] ==
				      (float)fb[m * K + k]);
			}
	}
	CHECK_EQ_INT(stored, nz);
	printf("filterbank: %zu non-zero of %zu weights, max rel diff vs numpy %.3g\n", nz, M * K,
	       worst);
	melspec_free(&ms);
	free(ref);
	free(fb);
}

/* --- against a direct DFT in double ------------------------------------- */

static void slow_reference(const float *x, size_t n, int pad, int power, double *out)
{
	struct melspec_config cfg;
	int n_fft = 1024, hop = 512, K = 513, M = 128;
	double *fb = xmalloc((size_t)M * K * sizeof *fb), *mag = xmalloc((size_t)K * sizeof *mag);
	double *fr = xmalloc((size_t)n_fft * sizeof *fr);

	melspec_config_default(&cfg);
	melspec_filterbank_dense(&cfg, fb);
	for (size_t t = 0; t < 1 + n / hop; t++) {
		for (int i = 0; i < n_fft; i++) {
			long j = (long)(t * hop) - n_fft / 2 + i;
			/* reflect by explicit mirroring, one bounce at a time */
			while (pad && (j < 0 || j >= (long)n) && n > 1)
				j = j < 0 ? -j : 2 * ((long)n - 1) - j;
			double v = (j >= 0 && j < (long)n) ? x[j] : (pad && n == 1 ? x[0] : 0.0);
			fr[i] = v * (0.5 - 0.5 * cos(2 * PI * i / n_fft));
		}
		for (int k = 0; k < K; k++) {
			double re = 0, im = 0;
			for (int i = 0; i < n_fft; i++) {
				re += fr[i] * cos(2 * PI * k * i / n_fft);
				im -= fr[i] * sin(2 * PI * k * i / n_fft);
			}
			mag[k] = power == 2 ? re * re + im * im : sqrt(re * re + im * im);
		}
		for (int m = 0; m < M; m++) {
			double acc = 0;
			for (int k = 0; k < K; k++)
				acc += fb[(size_t)m * K + k] * mag[k];
			out[t * M + m] = acc;
		}
	}
	free(fb);
	free(mag);
	free(fr);
}

static void test_slow_reference(const float *x, size_t n)
{
	for (int pad = 0; pad <= 1; pad++)
		for (int power = 1; power <= 2; power++) {
			struct melspec ms;
			config(&ms, pad);
			size_t TM = (1 + n / 512) * 128;
			double *ref = xmalloc(TM * sizeof *ref), mx = 0, worst = 0;
			float *s = xmalloc(TM * sizeof *s);
			slow_reference(x, n, pad, power, ref);
			melspec_compute(&ms, x, n, power, s);
			for (size_t i = 0; i < TM; i++)
				mx = fmax(mx, ref[i]);
			for (size_t i = 0; i < TM; i++)
				if (ref[i] > mx * 1e-6)
					worst = fmax(worst, fabs(s[i] - ref[i]) / ref[i]);
			printf("direct DFT, n=%zu pad=%d power=%d: max rel diff %.3g\n", n, pad, power,
			       worst);
			CHECK(worst < 1e-4);
			free(ref);
			free(s);
			melspec_free(&ms);
		}
}

/* --- facts ---------------------------------------------------------------- */

static float *sine(size_t n, double f, double amp)
{
	float *x = xmalloc(n * sizeof *x);
	for (size_t i = 0; i < n; i++)
		x[i] = (float)(amp * sin(2 * PI * f * i / 22050.0));
	return x;
}

static void test_facts(void)
{
	struct melspec ms, mr;
	size_t n = 22050 * 2;
	float *x = sine(n, 440.0, 0.5);

	config(&ms, MEL_PAD_CONSTANT);
	config(&mr, MEL_PAD_REFLECT);
	/* frame counts: 1 + floor(N / hop) */
	CHECK_EQ_INT(melspec_n_frames(&ms, 1), 1);
	CHECK_EQ_INT(melspec_n_frames(&ms, 511), 1);
	CHECK_EQ_INT(melspec_n_frames(&ms, 512), 2);
	CHECK_EQ_INT(melspec_n_frames(&ms, 661500), 1292);   /* a 30 s preview */
	size_t T = melspec_n_frames(&ms, n), M = 128;
	CHECK_EQ_INT(T, 87);
	float *c = xmalloc(T * M * sizeof *c), *r = xmalloc(T * M * sizeof *r);
	melspec_compute(&ms, x, n, 2, c);
	melspec_compute(&mr, x, n, 2, r);
	/* 440 Hz lies in band 16: Slaney's scale is linear below 1 kHz, 6.6 mel
	 * at 440 Hz; 130 bands' edges span 0..49.91 mel, 0.3869 mel apart, so the
	 * band centred nearest is the 17th edge (6.58 mel), band index 16 */
	int peak = 0;
	for (size_t m = 1; m < M; m++)
		if (c[(T / 2) * M + m] > c[(T / 2) * M + peak])
			peak = (int)m;
	CHECK_EQ_INT(peak, 16);
	/* deterministic: a second instance (its own plan) gives the same bits */
	struct melspec m2;
	float *c2 = xmalloc(T * M * sizeof *c2);
	config(&m2, MEL_PAD_CONSTANT);
	melspec_compute(&m2, x, n, 2, c2);
	CHECK(memcmp(c, c2, T * M * sizeof *c) == 0);
	melspec_free(&m2);
	free(c2);
	/* computed piecewise as samples arrive (wav2mel does this while ffmpeg
	 * decodes), every frame comes out bit for bit as in one go */
	for (int pad = 0; pad <= 1; pad++) {
		struct melspec *mp = pad ? &mr : &ms;
		float *whole = xmalloc(T * M * sizeof *whole), *parts = xmalloc(T * M * sizeof *parts);
		uint64_t done = 0, avail = 0;
		melspec_compute(mp, x, n, 2, whole);
		CHECK_EQ_INT(melspec_frames_ready(mp, 1024), 0);
		CHECK_EQ_INT(melspec_frames_ready(mp, 1025), 2);     /* frames 0, 1 */
		while (avail < n) {
			avail += 700 + avail % 4099;                     /* uneven pieces */
			if (avail > n)
				avail = n;
			uint64_t ready = melspec_frames_ready(mp, avail);
			if (ready > done) {
				melspec_compute_frames(mp, x, avail, 2, done, ready, parts);
				done = ready;
			}
		}
		CHECK(done < T);                  /* the last frames need the end */
		melspec_compute_frames(mp, x, n, 2, done, T, parts);
		CHECK(memcmp(whole, parts, T * M * sizeof *whole) == 0);
		free(whole);
		free(parts);
	}
	/* reflect and constant padding agree bit for bit on every frame whose
	 * window lies inside the signal, and differ on the edge frames */
	size_t same = 0, differ_edge = 0;
	for (size_t t = 0; t < T; t++) {
		int inside = t * 512 >= 512 && t * 512 + 512 <= n;
		int equal = memcmp(c + t * M, r + t * M, M * sizeof *c) == 0;
		if (inside)
			same += equal;
		else
			differ_edge += !equal;
	}
	CHECK_EQ_INT(same, T - 2);
	CHECK_EQ_INT(differ_edge, 2);
	/* dB: loudest cell exactly 0, everything in [-80, 0], the peak band 0 dB
	 * in the middle frame within rounding */
	CHECK(melspec_power_to_db(c, T * M, 1e-10, 80.0) == 0);
	float mx = -1e9f, mn = 1e9f;
	for (size_t i = 0; i < T * M; i++) {
		mx = fmaxf(mx, c[i]);
		mn = fminf(mn, c[i]);
	}
	CHECK(mx == 0.0f);
	CHECK(mn >= -80.0f);
	CHECK(mn == -80.0f);         /* a pure tone reaches the floor somewhere */
	CHECK_CLOSE(c[(T / 2) * M + 16], 0.0, 0.05, 0);
	/* u8 round trip within half a quantisation step */
	struct mel_meta meta = {.sample_rate = 22050, .n_fft = 1024, .hop = 512,
	                        .scale = MEL_SCALE_DB, .pad = MEL_PAD_CONSTANT, .flags = 0,
	                        .vmin = -80.0f, .vmax = 0.0f};
	struct mel back;
	char err[512];
	CHECK(mel_write("facts.mel", &meta, BIN_U8, T, M, c, err, sizeof err) == 0);
	CHECK(mel_read("facts.mel", &back, err, sizeof err) == 0);
	CHECK_EQ_INT(back.n_frames, T);
	CHECK_EQ_INT(back.n_mels, M);
	float *q = xmalloc(T * M * sizeof *q);
	mel_to_float(&back, q);
	double worst = 0;
	for (size_t i = 0; i < T * M; i++)
		worst = fmax(worst, fabs(q[i] - c[i]));
	printf("u8 round trip: max error %.4f dB (half step %.4f)\n", worst, 40.0 / 255);
	CHECK(worst <= 40.0 / 255 + 1e-5);
	CHECK(q[(T / 2) * M + 16] == 0.0f);    /* 0 dB survives exactly */
	mel_free(&back);
	/* silence: flagged, every cell at the floor */
	float *z = xcalloc(4096, sizeof *z);
	float *zs = xmalloc(9 * M * sizeof *zs);
	melspec_compute(&ms, z, 4096, 2, zs);
	CHECK(melspec_power_to_db(zs, 9 * M, 1e-10, 80.0) == 1);
	CHECK(zs[0] == -80.0f && zs[9 * M - 1] == -80.0f);
	melspec_compute(&ms, z, 4096, 1, zs);
	CHECK(melspec_log1p(zs, 9 * M) == 0.0f);
	/* an invalid configuration is refused with a reason */
	struct melspec_config bad;
	struct melspec mb;
	melspec_config_default(&bad);
	bad.n_fft = 1023;
	CHECK(melspec_init(&mb, &bad, err, sizeof err) == -1 && strstr(err, "even") != NULL);
	melspec_config_default(&bad);
	bad.fmax = 20000;
	CHECK(melspec_init(&mb, &bad, err, sizeof err) == -1);
	free(z);
	free(zs);
	free(q);
	free(x);
	free(c);
	free(r);
	melspec_free(&ms);
	melspec_free(&mr);
}

/* --- the decoder ---------------------------------------------------------- */

static int make_mp3(const char *path, const char *src)
{
	char *argv[] = {(char *)env_or("FFMPEG", "ffmpeg"), "-hide_banner", "-nostdin", "-v", "error",
	                "-y", "-f", "lavfi", "-i", (char *)src, "-ac", "2", "-b:a", "128k",
	                (char *)path, NULL};
	return run(argv);
}

static void test_decode(void)
{
	struct wav2mel_decoder d = {.ffmpeg = env_or("FFMPEG", "ffmpeg"), .sample_rate = 22050,
	                            .soxr = 1};
	struct wav2mel_samples s[3];
	char err[4096];
	double secs = san ? 2 : 5;
	char src[256];

	memset(s, 0, sizeof s);
	snprintf(src, sizeof src,
	         "aevalsrc=0.4*sin(2*PI*440*t)+0.2*sin(2*PI*(200+900*t)*t)+0.05*(random(0)-0.5):"
	         "s=44100:d=%g", secs);
	if (!CHECK(make_mp3("m.mp3", src) == 0))
		return;
	snprintf(src, sizeof src, "sine=f=1000:d=%g", secs / 2);
	CHECK(make_mp3("k.mp3", src) == 0);
	/* one ffmpeg, two inputs, two outputs: each as long as its input */
	const char *two[] = {"m.mp3", "k.mp3"};
	CHECK(wav2mel_decode(&d, two, 2, s, err, sizeof err) == DECODE_OK);
	CHECK_EQ_INT(s[0].n, (size_t)(secs * 22050));
	CHECK_EQ_INT(s[1].n, (size_t)(secs / 2 * 22050));
	compare_numpy("decoded MP3", s[0].x, s[0].n, MEL_PAD_CONSTANT, 0);
	compare_numpy("decoded MP3", s[0].x, s[0].n, MEL_PAD_REFLECT, 0);
	/* a group with a bad input fails, and ffmpeg's message names it */
	write_raw("bad.mp3", "not audio at all\n", 17);
	const char *mixed[] = {"m.mp3", "bad.mp3", "k.mp3"};
	CHECK(wav2mel_decode(&d, mixed, 3, s, err, sizeof err) == DECODE_FAILED);
	CHECK(strstr(err, "file:bad.mp3") != NULL);
	/* a missing program is told apart from a failing one */
	struct wav2mel_decoder nod = d;
	nod.ffmpeg = "/nonexistent/ffmpeg";
	CHECK(wav2mel_decode(&nod, two, 2, s, err, sizeof err) == DECODE_NO_FFMPEG);
	CHECK(strstr(err, "/nonexistent/ffmpeg") != NULL);
	for (int i = 0; i < 3; i++)
		wav2mel_samples_free(&s[i]);
}

int main(void)
{
	struct rng rng;
	size_t n = 22050 * 3;

	msg_init("test_wav2mel");
	san = getenv("SAN") && strcmp(getenv("SAN"), "1") == 0;
	rng_seed(&rng, 3);
	test_filterbank();
	test_facts();

	float *x = sine(n, 440.0, 0.5);
	compare_numpy("sine 440 Hz", x, n, MEL_PAD_CONSTANT, 0);
	compare_numpy("sine 440 Hz", x, n, MEL_PAD_REFLECT, 0);
	compare_numpy("sine 440 Hz log1p", x, n, MEL_PAD_CONSTANT, 1);
	for (size_t i = 0; i < n; i++) {       /* chirp 50 Hz .. 10 kHz */
		double t = i / 22050.0, dur = n / 22050.0;
		x[i] = (float)(0.8 * sin(2 * PI * (50 * t + (10000 - 50) * t * t / (2 * dur))));
	}
	compare_numpy("chirp", x, n, MEL_PAD_CONSTANT, 0);
	compare_numpy("chirp", x, n, MEL_PAD_REFLECT, 0);
	for (size_t i = 0; i < n; i++)
		x[i] = rng_float(&rng) * 2.0f - 1.0f;
	compare_numpy("white noise", x, n, MEL_PAD_CONSTANT, 0);
	compare_numpy("white noise", x, n, MEL_PAD_REFLECT, 0);
	compare_numpy("white noise log1p", x, n, MEL_PAD_REFLECT, 1);
	/* odd lengths: a partial last hop, and shorter than half a window (the
	 * reflect padding then bounces several times, as np.pad does) */
	for (size_t i = 0; i < 12345; i++)
		x[i] = (float)(0.3 * sin(2 * PI * 1234.5 * i / 22050.0)) + 0.1f * (rng_float(&rng) - 0.5f);
	compare_numpy("odd length 12345", x, 12345, MEL_PAD_CONSTANT, 0);
	compare_numpy("odd length 12345", x, 12345, MEL_PAD_REFLECT, 0);
	compare_numpy("odd length 301", x, 301, MEL_PAD_CONSTANT, 0);
	compare_numpy("odd length 301", x, 301, MEL_PAD_REFLECT, 0);
	test_slow_reference(x, san ? 1500 : 4001);
	test_slow_reference(x, 301);
	free(x);
	test_decode();
	fftwf_cleanup();
	return check_done();
}
