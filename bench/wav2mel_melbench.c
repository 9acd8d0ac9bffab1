/* wav2mel_melbench.c — the mel computation alone (bench/bench_wav2mel.sh):
 * a decoded preview (raw float32 mono at 22050 Hz) through melspec_compute
 * and melspec_power_to_db, REPS times with the plan and buffers made once;
 * prints the median and minimum milliseconds per preview.
 *
 *   wav2mel_melbench SAMPLES.f32 [REPS] */
#define _POSIX_C_SOURCE 200809L
#include "../tools/wav2mel/melspec.h"
#include "msg.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	struct melspec_config cfg;
	struct melspec ms;
	char err[256];
	FILE *fp;
	long n;
	int reps = argc > 2 ? atoi(argv[2]) : 50;

	msg_init(argv[0]);
	if (argc < 2 || reps < 1)
		diex(2, "usage: wav2mel_melbench SAMPLES.f32 [REPS]");
	if ((fp = fopen(argv[1], "rb")) == NULL || fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) <= 0)
		die(1, "%s", argv[1]);
	n /= 4;
	float *x = xmalloc((size_t)n * sizeof *x);
	rewind(fp);
	if (fread(x, sizeof *x, (size_t)n, fp) != (size_t)n)
		die(1, "%s", argv[1]);
	fclose(fp);
	melspec_config_default(&cfg);
	if (melspec_init(&ms, &cfg, err, sizeof err) != 0)
		diex(1, "%s", err);
	size_t TM = melspec_n_frames(&ms, (uint64_t)n) * (size_t)cfg.n_mels;
	float *out = xmalloc(TM * sizeof *out);
	double *t = xmalloc((size_t)reps * sizeof *t);
	for (int r = -2; r < reps; r++) {       /* two warm-up runs */
		double t0 = now();
		melspec_compute(&ms, x, (uint64_t)n, 2, out);
		melspec_power_to_db(out, TM, 1e-10, 80.0);
		if (r >= 0)
			t[r] = (now() - t0) * 1e3;
	}
	qsort(t, (size_t)reps, sizeof *t, cmp_double);
	printf("mel_ms_median %.3f\nmel_ms_min %.3f\nsamples %ld\nframes %zu\n", t[reps / 2], t[0], n,
	       TM / (size_t)cfg.n_mels);
	melspec_free(&ms);
	free(x);
	free(out);
	free(t);
	return 0;
}
