/* dcue_fwd.c — for bench_dcue_train.sh: the audio branch's forward pass
 * (dcue-train's own code, linked from its lib.a) in crops/s and GFLOP/s,
 * next to OpenBLAS sgemm on a large square product and on the first
 * convolution's shape, in the same process.
 *
 *   dcue_fwd THREADS N REPS [fwd] [blas]
 *       N crops per forward pass, split between THREADS threads with
 *       single-threaded GEMMs as `dcue-train embed` runs it; fwd: the
 *       forward passes only (for perf stat); blas: one pass on OpenBLAS's
 *       THREADS threads instead (the way before the split).  The convolutions'
 *       GEMMs run on the back-end DCUE_GEMM selects (gemm.h; printed). */
#include "gemm.h"
#include "layers.h"
#include "model.h"
#include "progress.h"
#include "rng.h"

#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double gemm_gflops(int M, int N, int K, int reps)
{
	float *a = calloc((size_t)M * K, 4), *b = calloc((size_t)K * N, 4), *c = calloc((size_t)M * N, 4);
	double best = 0;
	for (int r = 0; r < reps; r++) {
		double t = now_seconds();
		sgemm_rm(0, 0, M, N, K, 1, a, K, b, N, 0, c, N);
		t = now_seconds() - t;
		double g = 2.0 * M * N * K / t / 1e9;
		best = g > best ? g : best;
	}
	free(a), free(b), free(c);
	return best;
}

int main(int argc, char **argv)
{
	int fwd_only = 0, blas = 0, bad = argc < 4;
	for (int a = 4; a < argc; a++)
		if (strcmp(argv[a], "fwd") == 0)
			fwd_only = 1;
		else if (strcmp(argv[a], "blas") == 0)
			blas = 1;
		else
			bad = 1;
	if (bad) {
		fprintf(stderr, "usage: dcue_fwd THREADS N REPS [fwd] [blas]\n");
		return 2;
	}
	int threads = atoi(argv[1]), n = atoi(argv[2]), reps = atoi(argv[3]);
	struct dcue_config cfg;
	struct model m;
	struct workspace ws;
	struct rng r;

	openblas_set_num_threads(blas ? threads : 1);
	memset(&cfg, 0, sizeof cfg);
	cfg.n_playlists = 1000, cfg.mel_bins = 128, cfg.mel_length = 130, cfg.embedding = 256;
	cfg.channels = 128, cfg.hidden = 300, cfg.nb_negatives = 20, cfg.batch_size = 10;
	model_init(&m, &cfg);
	rng_seed(&r, 1);
	model_randomize(&m, &r);
	workspace_init(&ws, &m, n, 1);
	if (!blas)
		workspace_threads(&ws, threads);
	const struct conv_shape *c0 = &m.conv[0];
	for (int i = 0; i < n; i++)
		for (int t = 0; t < c0->T; t++)
			for (int q = 0; q < c0->Ci; q++)
				ws.x[0][((size_t)i * c0->S + t + 1) * c0->Ci + q] = (float)rng_normal(&r);
	double flops = 0;   /* per crop */
	for (int l = 0; l < MODEL_CONVS; l++)
		flops += 2.0 * m.conv[l].T * m.conv[l].k * m.conv[l].Ci * m.conv[l].Co;
	flops += 2.0 * cfg.embedding * cfg.embedding;
	model_tracks_forward(&m, &ws, n);   /* warm-up: first touches */
	double best = 1e30;
	for (int k = 0; k < reps; k++) {
		double t = now_seconds();
		model_tracks_forward(&m, &ws, n);
		t = now_seconds() - t;
		best = t < best ? t : best;
	}
	printf("openblas %s, kernel %s, %d BLAS threads, %d forward threads\n",
	       openblas_get_config(), openblas_get_corename(), openblas_get_num_threads(),
	       blas ? 1 : threads);
	printf("gemm %s (DCUE_GEMM)\n", gemm_describe());
	printf("forward_crops_per_s %.1f\n", n / best);
	printf("forward_gflops %.1f\n", flops * n / best / 1e9);
	if (fwd_only)
		return 0;
	openblas_set_num_threads(threads);   /* the GEMM peaks on every core */
	printf("sgemm_peak_gflops %.1f\n", gemm_gflops(2048, 2048, 2048, 3));
	int rows = n * c0->S / c0->k;
	printf("sgemm_conv1_gflops %.1f (M %d N %d K %d)\n",
	       gemm_gflops(rows, c0->Co, c0->k * c0->Ci, 5), rows, c0->Co, c0->k * c0->Ci);
	workspace_free(&ws);
	model_free(&m);
	return 0;
}
