/* topk.c — see topk.h. */
#include "topk.h"
#include "loss.h"
#include "msg.h"
#include "gemm.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Up to QUERY_BLOCK queries at a time against blocks of rows whose scores
 * [queries][rows] fill SCORE_FLOATS (4 MB): 16,384 rows per sgemm for 64
 * queries, 2^20 rows per sgemv for one.  Few, large BLAS calls: each call
 * wakes OpenBLAS's threads, which costs dearly on a busy machine. */
#define SCORE_FLOATS ((size_t)1 << 20)
#define QUERY_BLOCK 64

void topk_init(struct topk *h, size_t k)
{
	h->k = k;
	h->n = 0;
	h->score = xmalloc(k * sizeof(float) + 1);
	h->key = xmalloc(k * sizeof(uint32_t) + 1);
}

void topk_free(struct topk *h)
{
	free(h->score);
	free(h->key);
	memset(h, 0, sizeof *h);
}

void topk_clear(struct topk *h)
{
	h->n = 0;
}

/* 1 when (sa, ka) ranks below (sb, kb) */
static int worse(float sa, uint32_t ka, float sb, uint32_t kb)
{
	return sa < sb || (sa == sb && ka > kb);
}

static void sift_down(struct topk *h, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, w = i;
		if (l < h->n && worse(h->score[l], h->key[l], h->score[w], h->key[w]))
			w = l;
		if (r < h->n && worse(h->score[r], h->key[r], h->score[w], h->key[w]))
			w = r;
		if (w == i)
			return;
		float s = h->score[i]; h->score[i] = h->score[w]; h->score[w] = s;
		uint32_t k = h->key[i]; h->key[i] = h->key[w]; h->key[w] = k;
		i = w;
	}
}

void topk_push(struct topk *h, float s, uint32_t key)
{
	if (h->k == 0)
		return;
	if (h->n < h->k) {
		size_t i = h->n++;
		while (i > 0) {
			size_t p = (i - 1) / 2;
			if (!worse(s, key, h->score[p], h->key[p]))
				break;
			h->score[i] = h->score[p];
			h->key[i] = h->key[p];
			i = p;
		}
		h->score[i] = s;
		h->key[i] = key;
		return;
	}
	if (!worse(h->score[0], h->key[0], s, key))
		return;
	h->score[0] = s;
	h->key[0] = key;
	sift_down(h, 0);
}

void topk_sort(struct topk *h)
{
	/* heap sort: pop the worst to the end until the best is first */
	size_t n = h->n;
	while (h->n > 1) {
		size_t last = h->n - 1;
		float s = h->score[0]; h->score[0] = h->score[last]; h->score[last] = s;
		uint32_t k = h->key[0]; h->key[0] = h->key[last]; h->key[last] = k;
		h->n--;
		sift_down(h, 0);
	}
	h->n = n;
}

void cosine_inv_norms(const float *vec, size_t n, size_t E, float *inv)
{
	for (size_t i = 0; i < n; i++) {
		const float *v = vec + i * E;
		double ss = 0;
		for (size_t e = 0; e < E; e++)
			ss += (double)v[e] * v[e];
		inv[i] = (float)(1.0 / fmax(sqrt(ss), COSINE_EPS));
	}
}

void cosine_search(const float *Q, size_t nq, const float *vec, const float *inv, size_t n,
                   size_t E, int (*skip)(void *ctx, size_t q, size_t i), void *ctx,
                   struct topk *heaps)
{
	size_t qb = nq < QUERY_BLOCK ? nq : QUERY_BLOCK;
	size_t block = qb > 0 ? SCORE_FLOATS / qb : 1;
	float *qn = xmalloc(qb * E * sizeof(float) + 1);          /* [qb][E] unit queries */
	float *s = xmalloc(SCORE_FLOATS * sizeof(float));          /* [qb][block] */

	for (size_t q0 = 0; q0 < nq; q0 += qb) {
		size_t nb = nq - q0 < qb ? nq - q0 : qb;
		for (size_t q = 0; q < nb; q++) {
			float iq;
			cosine_inv_norms(Q + (q0 + q) * E, 1, E, &iq);
			for (size_t e = 0; e < E; e++)
				qn[q * E + e] = Q[(q0 + q) * E + e] * iq;
		}
		for (size_t i0 = 0; i0 < n; i0 += block) {
			size_t m = n - i0 < block ? n - i0 : block;
			/* s [nb][m] = qn [nb][E] · vec[i0..i0+m)ᵀ */
			if (nb == 1)
				cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)m, (int)E, 1.0f, vec + i0 * E,
				            (int)E, qn, 1, 0.0f, s, 1);
			else
				sgemm_rm(0, 1, (int)nb, (int)m, (int)E, 1.0f, qn, (int)E, vec + i0 * E, (int)E,
				         0.0f, s, (int)m);
			for (size_t q = 0; q < nb; q++) {
				struct topk *h = &heaps[q0 + q];
				const float *sq = s + q * m;
				for (size_t j = 0; j < m; j++) {
					float c = sq[j] * inv[i0 + j];
					/* most rows lose to the worst held one: test that first */
					if (h->n == h->k && c < h->score[0])
						continue;
					if (skip != NULL && skip(ctx, q0 + q, i0 + j))
						continue;
					topk_push(h, c, (uint32_t)(i0 + j));
				}
			}
		}
	}
	free(qn);
	free(s);
}
