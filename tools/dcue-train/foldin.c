/* foldin.c — see foldin.h.  The playlist branch is evaluated here on one
 * row with plain BLAS calls on the checkpoint's tensors (model.h layout),
 * so the model itself stays untouched: nothing of it is updated. */
#include "foldin.h"
#include "loss.h"
#include "msg.h"
#include "rng.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void foldin_defaults(struct foldin_opts *fo)
{
	memset(fo, 0, sizeof *fo);
	fo->method = FOLDIN_SGD;
	fo->steps = FOLDIN_STEPS;
	fo->lr = FOLDIN_LR;
	fo->momentum = 0.9f;
	fo->batch = 16;
	fo->seed = 1;
}

void foldin_start_row(const struct model *m, float *r0)
{
	size_t P = m->cfg.n_playlists, H = m->cfg.hidden;
	double *acc = xcalloc(H, sizeof(double));

	for (size_t p = 0; p < P; p++)
		for (size_t h = 0; h < H; h++)
			acc[h] += m->p.emb[p * H + h];
	for (size_t h = 0; h < H; h++)
		r0[h] = P > 0 ? (float)(acc[h] / (double)P) : 0.0f;
	free(acc);
}

void foldin_branch(const struct model *m, const float *r, float *pe, float *a1, float *u)
{
	int H = (int)m->cfg.hidden, E = (int)m->cfg.embedding;

	for (int h = 0; h < H; h++)
		pe[h] = r[h] > 0.0f ? r[h] : 0.0f;
	/* a1 = relu(r) · d1w + d1b */
	memcpy(a1, m->p.d1b, (size_t)H * sizeof(float));
	cblas_sgemv(CblasRowMajor, CblasTrans, H, H, 1.0f, m->p.d1w, H, pe, 1, 1.0f, a1, 1);
	/* u = relu(a1) · d2w + d2b; pe is free again and holds relu(a1) */
	for (int h = 0; h < H; h++)
		pe[h] = a1[h] > 0.0f ? a1[h] : 0.0f;
	memcpy(u, m->p.d2b, (size_t)E * sizeof(float));
	cblas_sgemv(CblasRowMajor, CblasTrans, H, E, 1.0f, m->p.d2w, E, pe, 1, 1.0f, u, 1);
}

static void mean_direction(size_t E, const float *vec, const uint32_t *seeds, size_t S, float *u)
{
	memset(u, 0, E * sizeof(float));
	for (size_t s = 0; s < S; s++) {
		const float *v = vec + (size_t)seeds[s] * E;
		double nn = 0;
		for (size_t e = 0; e < E; e++)
			nn += (double)v[e] * v[e];
		if (!(nn > 0))
			continue;
		float inv = (float)(1.0 / sqrt(nn));
		for (size_t e = 0; e < E; e++)
			u[e] += v[e] * inv;
	}
}

/* The gradient of the row: dr [H] from du [E] back through the branch
 * (pe = relu(a1) as left by foldin_branch). */
static void branch_backward(const struct model *m, const float *r, const float *a1,
                            const float *du, float *tmp, float *dr)
{
	int H = (int)m->cfg.hidden, E = (int)m->cfg.embedding;

	/* u = relu(a1) · d2w + d2b  →  d relu(a1) = d2w · du */
	cblas_sgemv(CblasRowMajor, CblasNoTrans, H, E, 1.0f, m->p.d2w, E, du, 1, 0.0f, tmp, 1);
	for (int h = 0; h < H; h++)
		if (!(a1[h] > 0.0f))
			tmp[h] = 0.0f;
	/* a1 = relu(r) · d1w + d1b  →  d relu(r) = d1w · da1 */
	cblas_sgemv(CblasRowMajor, CblasNoTrans, H, H, 1.0f, m->p.d1w, H, tmp, 1, 0.0f, dr, 1);
	for (int h = 0; h < H; h++)
		if (!(r[h] > 0.0f))
			dr[h] = 0.0f;
}

void foldin(const struct model *m, const struct foldin_opts *fo, const float *r0,
            const float *vec, size_t n, const uint32_t *seeds, size_t S, const uint8_t *is_seed,
            float *u)
{
	size_t E = m->cfg.embedding, H = m->cfg.hidden;
	int N = (int)m->cfg.nb_negatives, K = N + 1;
	int B = fo->batch < (int)S ? fo->batch : (int)S;

	if (fo->method == FOLDIN_MEAN || S >= n) {   /* (FOLDIN_TRAINED is handled by the caller) */   /* no negative to rank against */
		mean_direction(E, vec, seeds, S, u);
		return;
	}
	float *r = xmalloc(H * sizeof(float)), *buf = xcalloc(H, sizeof(float));
	float *pe = xmalloc(H * sizeof(float)), *a1 = xmalloc(H * sizeof(float));
	float *tmp = xmalloc(H * sizeof(float)), *dr = xmalloc(H * sizeof(float));
	float *ub = xmalloc((size_t)B * E * sizeof(float));          /* u repeated [B][E] */
	float *dub = xmalloc((size_t)B * E * sizeof(float));
	float *v = xmalloc((size_t)B * K * E * sizeof(float));       /* [B*K][E] */
	float *dv = xmalloc((size_t)B * K * E * sizeof(float));
	float *s = xmalloc((size_t)B * K * sizeof(float)), *ds = xmalloc((size_t)B * K * sizeof(float));
	float *du = xmalloc(E * sizeof(float));
	uint32_t *order = xmalloc(S * sizeof(uint32_t));
	struct rng rg;
	struct loss_stats ls;
	size_t next = S;

	rng_seed(&rg, fo->seed ^ 0xF01D1A5EEDull);
	memcpy(r, r0, H * sizeof(float));
	for (int step = 0; step < fo->steps; step++) {
		foldin_branch(m, r, pe, a1, u);
		/* B seeds, each pass over them in a new seeded order */
		for (int b = 0; b < B; b++) {
			if (next == S) {
				for (size_t i = 0; i < S; i++)
					order[i] = (uint32_t)i;
				rng_shuffle_u32(&rg, order, S);
				next = 0;
			}
			memcpy(v + (size_t)b * K * E, vec + (size_t)seeds[order[next++]] * E,
			       E * sizeof(float));
			for (int j = 1; j < K; j++) {
				size_t t;
				do
					t = rng_below(&rg, n);
				while (is_seed[t]);
				memcpy(v + ((size_t)b * K + j) * E, vec + t * E, E * sizeof(float));
			}
			memcpy(ub + (size_t)b * E, u, E * sizeof(float));
		}
		cosine_forward(s, ub, v, B, K, (int)E);
		loss_forward_backward(&ls, ds, s, B, K, (enum criterion)m->cfg.criterion,
		                      m->cfg.margin);
		memset(dub, 0, (size_t)B * E * sizeof(float));
		/* dv goes to a scratch buffer: the track vectors are fixed */
		cosine_backward(dub, dv, ds, ub, v, B, K, (int)E);
		memset(du, 0, E * sizeof(float));
		for (int b = 0; b < B; b++)
			for (size_t e = 0; e < E; e++)
				du[e] += dub[(size_t)b * E + e];
		branch_backward(m, r, a1, du, tmp, dr);
		/* torch.optim.SGD(nesterov=True) on the row alone */
		for (size_t h = 0; h < H; h++) {
			buf[h] = fo->momentum * buf[h] + dr[h];
			r[h] -= fo->lr * (dr[h] + fo->momentum * buf[h]);
		}
	}
	foldin_branch(m, r, pe, a1, u);
	free(r), free(buf), free(pe), free(a1), free(tmp), free(dr), free(ub), free(dub), free(v);
	free(dv);
	free(s), free(ds), free(du), free(order);
}
