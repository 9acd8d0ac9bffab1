/* test_dcue_shared.c — --shared-negatives (tools/dcue-train/shared.h):
 * every gradient of a shared step against central differences of its loss
 * (with a masked negative, both criteria); the shared step against the
 * paper's path fed the same negatives as every sample's own (loss, every
 * gradient, each sample's loss); a masked negative gives the loss of the
 * paper's sample without it; the skipped backward equals the full one. */
#include "check.h"

#include "../../tools/dcue-train/layers.h"
#include "../../tools/dcue-train/loss.h"
#include "../../tools/dcue-train/model.h"
#include "../../tools/dcue-train/shared.h"
#include "rng.h"

#include <stdlib.h>
#include <string.h>

/* the finite-difference step of test_dcue_layers.c's whole-model check */
#ifndef FDH
#define FDH 2e-4f
#endif

enum { B = 3, N = 3, K = N + 1 };

static struct rng R;

static struct dcue_config tiny_config(void)
{
	struct dcue_config c;
	memset(&c, 0, sizeof c);
	c.n_playlists = 4;
	c.mel_bins = 5;
	c.mel_length = 128;
	c.embedding = 6;
	c.channels = 4;
	c.hidden = 7;
	c.nb_negatives = N;
	c.batch_size = B;
	return c;
}

/* n crops [n][S][Ci], random inside, pad rows 0 */
static void fill_crops(const struct model *m, float *x, int n)
{
	const struct conv_shape *s = &m->conv[0];
	int off = conv_pad_left(s->k);
	for (int i = 0; i < n; i++)
		for (int t = 0; t < s->S; t++)
			for (int c = 0; c < s->Ci; c++)
				x[((size_t)i * s->S + t) * s->Ci + c] =
					t < off || t >= off + s->T ? 0.0f : 2.0f * rng_float(&R) - 1.0f;
}

static size_t seq(const struct model *m)
{
	return (size_t)m->conv[0].S * m->conv[0].Ci;
}

static double max_rel(const float *a, const float *ref, size_t n, double atol, double rtol)
{
	double worst = 0;
	for (size_t i = 0; i < n; i++) {
		double d = fabs(a[i] - ref[i]) / (atol + rtol * fabs(ref[i]));
		worst = d > worst ? d : worst;
	}
	return worst;
}

struct ctx {
	struct model *m;
	struct workspace *ws;
	struct shared_scratch *sc;
	const float *x;           /* [B+N] crops: positives, then the negatives */
	const int *pidx;
	const uint8_t *mask;
	enum criterion crit;
	float margin;
	double loss_b[B];
};

/* the shared step's forward and loss (gradients of shared_loss discarded) */
static double shared_loss_of(struct ctx *c)
{
	struct loss_stats ls;
	memcpy(c->ws->x[0], c->x, (B + N) * seq(c->m) * sizeof(float));
	memcpy(c->ws->pidx, c->pidx, B * sizeof(int));
	model_tracks_forward(c->m, c->ws, B + N);
	model_playlists_forward(c->m, c->ws, B);
	shared_loss(&ls, c->ws->du, c->ws->dv, c->ws->u, c->ws->v, c->mask, B, N, c->crit,
	            c->margin, c->sc, c->loss_b);
	return ls.loss;
}

static void shared_grad(struct ctx *c, int skip, struct step_stats *st)
{
	model_zero_grad(c->m);
	memcpy(c->ws->x[0], c->x, (B + N) * seq(c->m) * sizeof(float));
	memcpy(c->ws->pidx, c->pidx, B * sizeof(int));
	model_shared_step(c->m, c->ws, B, N, c->mask, c->crit, c->margin, skip, c->sc, st);
}

/* the paper's path, sample b's K crops being [pos b, neg 0..N) except the
 * masked ones: loss and gradients (skip 0); per-sample losses by one-sample
 * passes into loss_b */
static double paper_step(struct ctx *c, float *grad, double *loss_b)
{
	size_t S = seq(c->m);
	float *x = malloc((size_t)B * K * S * sizeof(float));
	struct step_stats st;
	int any_masked = 0;
	for (int i = 0; i < B * N; i++)
		any_masked |= c->mask[i];
	for (int b = 0; b < B; b++) {
		memcpy(x + (size_t)b * K * S, c->x + (size_t)b * S, S * sizeof(float));
		memcpy(x + ((size_t)b * K + 1) * S, c->x + (size_t)B * S, (size_t)N * S * sizeof(float));
	}
	double loss = NAN;
	if (!any_masked) {
		model_zero_grad(c->m);
		memcpy(c->ws->x[0], x, (size_t)B * K * S * sizeof(float));
		memcpy(c->ws->pidx, c->pidx, B * sizeof(int));
		model_train_step(c->m, c->ws, B, K, c->crit, c->margin, 0, &st);
		memcpy(grad, c->m->grad_mem, c->m->n_params * sizeof(float));
		loss = st.loss;
	}
	for (int b = 0; b < B; b++) {
		int k = 0;
		memcpy(c->ws->x[0] + (size_t)k++ * S, c->x + (size_t)b * S, S * sizeof(float));
		for (int j = 0; j < N; j++)
			if (!c->mask[b * N + j])
				memcpy(c->ws->x[0] + (size_t)k++ * S, c->x + (size_t)(B + j) * S,
				       S * sizeof(float));
		c->ws->pidx[0] = c->pidx[b];
		model_eval_step(c->m, c->ws, 1, k, c->crit, c->margin, &st);
		loss_b[b] = st.loss;
	}
	free(x);
	return loss;
}

/* The worst |analytic - numeric| relative to atol + rtol*|numeric| over
 * (a sample of) x.  A kink (ReLU, max-pool) within the step moves the
 * central difference by at most half the gap between the forward and
 * backward differences: where that gap exceeds twice the tolerance the
 * point is not judged (at most 1 in 5 may be skipped). */
static double fd_check(const char *what, struct ctx *c, float *x, const float *grad, size_t n)
{
	double worst = 0, at_a = 0, at_n = 0, atol = 3e-4, rtol = 3e-2;
	size_t step = n > 300 ? n / 300 : 1, judged = 0, kinks = 0;
	double l0 = shared_loss_of(c);
	for (size_t i = 0; i < n; i += step) {
		float x0 = x[i];
		x[i] = x0 + FDH;
		double lp = shared_loss_of(c);
		x[i] = x0 - FDH;
		double lm = shared_loss_of(c);
		x[i] = x0;
		double num = (lp - lm) / (2.0 * (double)FDH);
		double fp = (lp - l0) / (double)FDH, fm = (l0 - lm) / (double)FDH;
		if (fabs(fp - fm) > atol + rtol * fabs(num)) {
			kinks++;
			continue;
		}
		judged++;
		double e = fabs(grad[i] - num) / (atol + rtol * fabs(num));
		if (e > worst) {
			worst = e;
			at_a = grad[i];
			at_n = num;
		}
	}
	printf("%-36s worst error %.3f of tolerance (analytic %.6g numeric %.6g), %zu kinks "
	       "skipped\n", what, worst, at_a, at_n, kinks);
	return kinks * 5 > judged + kinks ? INFINITY : worst;
}

static void test_shared(enum criterion crit)
{
	const char *name = crit == CRIT_MULTI_MARGIN ? "multi_margin" : "cross_entropy";
	struct dcue_config cfg = tiny_config();
	struct model m;
	struct workspace ws;
	struct shared_scratch sc;
	struct step_stats st;
	int pidx[B] = { 2, 0, 2 };
	uint8_t mask[B * N] = { 0 };

	model_init(&m, &cfg);
	model_randomize(&m, &R);
	workspace_init(&ws, &m, B * K, B);
	shared_scratch_init(&sc, B, N, (int)cfg.embedding);
	float *x = malloc((B + N) * seq(&m) * sizeof(float));
	float *paper = malloc(m.n_params * sizeof(float));
	float *full = malloc(m.n_params * sizeof(float));
	fill_crops(&m, x, B + N);
	struct ctx c = { &m, &ws, &sc, x, pidx, mask, crit, 0.6f, { 0 } };
	double lb[B];

	/* 1. no negative masked: the paper's path with every sample given the
	 * same N negatives computes the same loss, per sample and in all, and
	 * the same gradients */
	double lp = paper_step(&c, paper, lb);
	shared_grad(&c, 0, &st);
	CHECK_CLOSE(st.loss, lp, 1e-7, 1e-5);
	shared_loss_of(&c);
	for (int b = 0; b < B; b++)
		CHECK_CLOSE(c.loss_b[b], lb[b], 1e-7, 1e-5);
	double d = max_rel(m.grad_mem, paper, m.n_params, 1e-7, 1e-4);
	printf("%s: shared step vs the paper's path on the same negatives: loss %.6f %.6f, "
	       "gradients worst diff %.3f of tolerance\n", name, st.loss, lp, d);
	CHECK(d <= 1);

	/* 2. a negative in a sample's playlist is dropped from that sample's
	 * scores: its loss is the paper's for the sample without it */
	mask[0 * N + 1] = 1;
	mask[2 * N + 0] = 1;
	mask[2 * N + 2] = 1;
	paper_step(&c, paper, lb);
	shared_loss_of(&c);
	for (int b = 0; b < B; b++)
		CHECK_CLOSE(c.loss_b[b], lb[b], 1e-7, 1e-5);
	printf("%s: masked negatives: per-sample losses %.6f %.6f %.6f, the paper's %.6f %.6f "
	       "%.6f\n", name, c.loss_b[0], c.loss_b[1], c.loss_b[2], lb[0], lb[1], lb[2]);

	/* 3. the masked step's gradients: the mean over the samples of the
	 * paper's one-sample gradients (model_train_step accumulates) */
	model_zero_grad(&m);
	for (int b = 0; b < B; b++) {
		size_t S = seq(&m);
		int k = 0;
		memcpy(ws.x[0] + (size_t)k++ * S, x + (size_t)b * S, S * sizeof(float));
		for (int j = 0; j < N; j++)
			if (!mask[b * N + j])
				memcpy(ws.x[0] + (size_t)k++ * S, x + (size_t)(B + j) * S, S * sizeof(float));
		ws.pidx[0] = pidx[b];
		model_train_step(&m, &ws, 1, k, crit, c.margin, 0, &st);
	}
	for (size_t i = 0; i < m.n_params; i++)
		paper[i] = m.grad_mem[i] / B;
	shared_grad(&c, 0, &st);
	memcpy(full, m.grad_mem, m.n_params * sizeof(float));
	d = max_rel(full, paper, m.n_params, 1e-7, 1e-4);
	printf("%s: masked shared step vs the paper's one-sample steps: gradients worst diff "
	       "%.3f of tolerance\n", name, d);
	CHECK(d <= 1);

	/* 4. every gradient against central differences of the masked loss */
	struct { const char *t; float *p; size_t n; } ts[] = {
		{ "emb", m.p.emb, (size_t)cfg.n_playlists * cfg.hidden },
		{ "d1w", m.p.d1w, (size_t)cfg.hidden * cfg.hidden },
		{ "d1b", m.p.d1b, cfg.hidden },
		{ "d2w", m.p.d2w, (size_t)cfg.hidden * cfg.embedding },
		{ "c0w", m.p.cw[0], (size_t)4 * 5 * 4 },
		{ "c0b", m.p.cb[0], 4 },
		{ "c1w", m.p.cw[1], (size_t)4 * 4 * 6 },
		{ "c2w", m.p.cw[2], (size_t)4 * 6 * 6 },
		{ "c3w", m.p.cw[3], (size_t)2 * 6 * 6 },
		{ "c4w", m.p.cw[4], (size_t)6 * 6 },
		{ "ow", m.p.ow, (size_t)6 * 6 },
		{ "ob", m.p.ob, 6 },
	};
	double worst = 0;
	for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++) {
		char what[64];
		snprintf(what, sizeof what, "shared %s %s", name, ts[i].t);
		double e = fd_check(what, &c, ts[i].p, full + (ts[i].p - m.param_mem), ts[i].n);
		worst = e > worst ? e : worst;
	}
	CHECK(worst <= 1);

	/* 5. skipping the backward of tracks with no gradient changes nothing
	 * (hinge: a margin between the score gaps, so some terms are 0) */
	if (crit == CRIT_MULTI_MARGIN) {
		float lo = INFINITY, hi = -INFINITY;
		shared_loss_of(&c);
		for (int b = 0; b < B; b++)
			for (int j = 1; j < K; j++)
				if (!mask[b * N + j - 1]) {
					float g = sc.s[b * K] - sc.s[b * K + j];
					lo = fminf(lo, g), hi = fmaxf(hi, g);
				}
		c.margin = 0.5f * (lo + hi);
	}
	shared_grad(&c, 0, &st);
	memcpy(full, m.grad_mem, m.n_params * sizeof(float));
	shared_grad(&c, 1, &st);
	d = max_rel(m.grad_mem, full, m.n_params, 1e-7, 1e-5);
	printf("%s: shared skipped backward ran %d of %d tracks, worst diff %.3f of tolerance\n",
	       name, st.active_tracks, B + N, d);
	CHECK(d <= 1);
	if (crit == CRIT_MULTI_MARGIN)
		CHECK(st.active_tracks < B + N);

	free(x), free(paper), free(full);
	shared_scratch_free(&sc);
	workspace_free(&ws);
	model_free(&m);
}

int main(void)
{
	rng_seed(&R, 1);
	test_shared(CRIT_MULTI_MARGIN);
	test_shared(CRIT_CROSS_ENTROPY);
	return check_done();
}
