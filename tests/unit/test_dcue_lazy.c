/* test_dcue_lazy.c — lazy playlist rows against the dense optimiser: a
 * model whose every row takes every Nesterov step (zero gradient when
 * unused) and one that steps only the rows a step used, catching the others
 * up in closed form (model.h) when next used, must agree to float
 * tolerance over many steps, rows touched at random steps; the reduction
 * of replica blocks; a rank's share of the table initialised as the whole
 * model's rows. */
#include "check.h"

#include "../../tools/dcue-train/model.h"
#include "tiny_model.h"
#include "../../tools/dcue-train/reduce.h"
#include "rng.h"

#include <stdlib.h>
#include <string.h>

static struct rng R;

/* worst |a-b| / (atol + rtol*|b|) over n values */
static double worst(const float *a, const float *b, size_t n, double atol, double rtol)
{
	double w = 0;
	for (size_t i = 0; i < n; i++) {
		double d = fabs((double)a[i] - b[i]) / (atol + rtol * fabs((double)b[i]));
		w = d > w ? d : w;
	}
	return w;
}

static void test_lazy_vs_dense(float lr, float mu, int steps, double touch)
{
	struct dcue_config cfg = tiny_config(40);
	struct model dense, lazy;
	size_t H = cfg.hidden, P = cfg.n_playlists;
	float *g = malloc(P * H * sizeof(float));
	int *used = malloc(P * sizeof(int));
	double wp = 0, wm = 0;

	model_init(&dense, &cfg);
	model_init(&lazy, &cfg);
	model_randomize(&dense, &R);
	memcpy(lazy.param_mem, dense.param_mem, dense.n_params * sizeof(float));
	float *gs = malloc(lazy.n_shared * sizeof(float));
	for (int s = 0; s < steps; s++) {
		model_zero_grad(&dense);
		for (size_t p = 0; p < P; p++) {
			used[p] = rng_float(&R) < touch;
			for (size_t i = 0; i < H; i++)
				g[p * H + i] = used[p] ? 2.0f * rng_float(&R) - 1.0f : 0.0f;
		}
		for (size_t i = 0; i < lazy.n_shared; i++)
			gs[i] = 2.0f * rng_float(&R) - 1.0f;
		memcpy(dense.g.emb, g, P * H * sizeof(float));
		memcpy(dense.grad_mem + P * H, gs, lazy.n_shared * sizeof(float));
		model_sgd_step(&dense, lr, mu);
		model_sgd_shared(&lazy, gs, lr, mu);
		for (size_t p = 0; p < P; p++)
			if (used[p])
				model_row_step(&lazy, p, g + p * H, (uint64_t)s, lr, mu);
		if (s % 97 == 50 || s == steps - 1) {
			/* a checkpoint or an evaluation: everything brought up to date */
			model_rows_catch_up(&lazy, (uint64_t)s + 1, lr, mu);
			double a = worst(lazy.param_mem, dense.param_mem, dense.n_params, 1e-5, 1e-4);
			double b = worst(lazy.mom_mem, dense.mom_mem, dense.n_params, 1e-5, 1e-4);
			wp = a > wp ? a : wp;
			wm = b > wm ? b : wm;
		}
	}
	/* the shared weights took the same float operations: the same bits */
	CHECK(memcmp(lazy.param_mem + P * H, dense.param_mem + P * H,
	             lazy.n_shared * sizeof(float)) == 0);
	printf("lazy rows vs dense, lr %g mu %g, %d steps, rows used with p=%.2f: worst diff "
	       "%.3f (weights), %.3f (momentum) of tolerance\n", (double)lr, (double)mu, steps,
	       touch, wp, wm);
	CHECK(wp <= 1);
	CHECK(wm <= 1);
	/* a row used at the very first step after a long idle stretch was
	 * caught up: no row is behind */
	for (size_t p = 0; p < P; p++)
		CHECK(lazy.row_step[p] == (uint64_t)steps);
	free(g), free(gs), free(used);
	model_free(&dense);
	model_free(&lazy);
}

/* k zero-gradient steps at once equal k single steps (and 0 steps nothing). */
static void test_closed_form(void)
{
	struct dcue_config cfg = tiny_config(3);
	struct model a, b;
	model_init(&a, &cfg);
	model_init(&b, &cfg);
	model_randomize(&a, &R);
	for (size_t i = 0; i < a.n_params; i++)
		a.mom_mem[i] = 2.0f * rng_float(&R) - 1.0f;
	memcpy(b.mem, a.mem, 3 * a.n_params * sizeof(float));
	float z[7] = { 0 };
	for (int s = 0; s < 37; s++)
		model_row_step(&a, 1, z, (uint64_t)s, 0.1f, 0.9f);
	model_row_catch_up(&b, 1, 37, 0.1f, 0.9f);
	model_row_catch_up(&b, 1, 37, 0.1f, 0.9f);    /* already there: no change */
	size_t H = cfg.hidden;
	double w = worst(b.p.emb + H, a.p.emb + H, H, 1e-6, 1e-5);
	double wm = worst(b.mom_mem + H, a.mom_mem + H, H, 1e-6, 1e-5);
	printf("37 zero-gradient steps in closed form vs one by one: worst %.3f, %.3f of "
	       "tolerance\n", w, wm);
	CHECK(w <= 1 && wm <= 1);
	CHECK(memcmp(b.p.emb, a.p.emb, H * sizeof(float)) == 0);   /* rows 0, 2 untouched */
	model_free(&a);
	model_free(&b);
}

/* Rank r of N holds rows p % N == r with the whole model's initial values
 * and the same shared weights. */
static void test_parts(void)
{
	struct dcue_config cfg = tiny_config(11);
	struct model whole, part;
	struct rng r1, r2;
	size_t H = cfg.hidden;

	rng_seed(&r1, 5);
	rng_seed(&r2, 5);
	model_init(&whole, &cfg);
	model_init_part(&part, &cfg, 3, 2);
	model_randomize(&whole, &r1);
	model_randomize(&part, &r2);
	CHECK_EQ_INT(part.n_rows, 3);      /* playlists 2, 5, 8 */
	for (size_t l = 0; l < part.n_rows; l++)
		CHECK(memcmp(part.p.emb + l * H, whole.p.emb + (l * 3 + 2) * H, H * sizeof(float)) == 0);
	CHECK(memcmp(part.p.d1w, whole.p.d1w, whole.n_shared * sizeof(float)) == 0);
	model_free(&whole);
	model_free(&part);
}

static void test_reduce(void)
{
	float a[40], b[40], c[40], ref[40];
	float *blk[3] = { a, b, c }, w[3] = { 0.25f, 0.5f, 0.25f };
	for (int i = 0; i < 40; i++) {
		a[i] = rng_float(&R), b[i] = rng_float(&R), c[i] = rng_float(&R);
		ref[i] = 0.25f * a[i] + 0.5f * b[i] + 0.25f * c[i];
	}
	/* three threads' slices cover the block once */
	size_t covered = 0;
	for (int t = 0; t < 3; t++) {
		size_t lo, hi;
		reduce_slice(40, t, 3, &lo, &hi);
		covered += hi - lo;
		reduce_replicas(blk, w, 3, lo, hi);
	}
	CHECK_EQ_INT(covered, 40);
	CHECK(worst(a, ref, 40, 1e-7, 1e-6) <= 1);
	reduce_ranks(a, 40);      /* one rank: nothing */
	CHECK(worst(a, ref, 40, 1e-7, 1e-6) <= 1);
}

int main(void)
{
	rng_seed(&R, 42);
	test_closed_form();
	test_lazy_vs_dense(0.1f, 0.9f, 600, 0.1);
	test_lazy_vs_dense(0.05f, 0.5f, 300, 0.5);
	test_lazy_vs_dense(0.1f, 0.0f, 100, 0.2);
	test_parts();
	test_reduce();
	return check_done();
}
