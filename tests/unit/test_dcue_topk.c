/* test_dcue_topk.c — dcue-train's partial selection and blocked cosine
 * search against a plain reference: every score computed in double, all
 * of them sorted, with ties (duplicated rows) and exclusions. */
#include "check.h"

#include "../../tools/dcue-train/topk.h"
#include "rng.h"

#include <stdlib.h>

struct ref { double s; uint32_t key; };

static int by_ref(const void *a, const void *b)
{
	const struct ref *x = a, *y = b;
	if (x->s != y->s)
		return x->s > y->s ? -1 : 1;
	return x->key < y->key ? -1 : x->key > y->key;
}

static int skip_odd_for_q1(void *ctx, size_t q, size_t i)
{
	(void)ctx;
	return q == 1 && i % 2 == 1;
}

int main(void)
{
	/* the heap alone: 1000 values, k = 7, against a sort */
	struct rng r;
	struct topk h;
	struct ref all[1000];
	rng_seed(&r, 5);
	topk_init(&h, 7);
	for (uint32_t i = 0; i < 1000; i++) {
		all[i].s = (float)(int)rng_below(&r, 50);   /* many ties */
		all[i].key = i;
		topk_push(&h, (float)all[i].s, i);
	}
	qsort(all, 1000, sizeof all[0], by_ref);
	topk_sort(&h);
	CHECK_EQ_INT(h.n, 7);
	for (size_t i = 0; i < 7; i++) {
		CHECK_EQ_INT(h.key[i], all[i].key);
		CHECK_CLOSE(h.score[i], all[i].s, 0, 0);
	}
	/* fewer values than k */
	topk_clear(&h);
	topk_push(&h, 1.0f, 3);
	topk_push(&h, 2.0f, 9);
	topk_sort(&h);
	CHECK_EQ_INT(h.n, 2);
	CHECK_EQ_INT(h.key[0], 9);
	CHECK_EQ_INT(h.key[1], 3);
	topk_free(&h);

	/* cosine_search: 65 queries (two query blocks of up to 64, so 16,384
	 * rows per block) over n = 40,000 rows (three blocks); rows 100 and
	 * 39999 are copies of row 5 (exact ties across blocks), row 7 is zero */
	size_t n = 40000, E = 24, nq = 65, k = 20;
	float *vec = malloc(n * E * sizeof(float)), *inv = malloc(n * sizeof(float));
	float *Q = malloc(nq * E * sizeof(float));
	for (size_t i = 0; i < n * E; i++)
		vec[i] = (float)rng_normal(&r);
	for (size_t e = 0; e < E; e++) {
		vec[100 * E + e] = vec[39999 * E + e] = vec[5 * E + e];
		vec[7 * E + e] = 0;
	}
	for (size_t q = 0; q < nq; q++)
		for (size_t e = 0; e < E; e++)   /* close to row 5, so the ties are on top */
			Q[q * E + e] = vec[5 * E + e] + 0.3f * (float)rng_normal(&r);
	cosine_inv_norms(vec, n, E, inv);
	struct topk hs[65];
	for (size_t q = 0; q < nq; q++)
		topk_init(&hs[q], k);
	cosine_search(Q, nq, vec, inv, n, E, skip_odd_for_q1, NULL, hs);
	struct ref *ref = malloc(n * sizeof *ref);
	for (size_t q = 0; q < nq; q++) {
		size_t m = 0;
		double qq = 0;
		for (size_t e = 0; e < E; e++)
			qq += (double)Q[q * E + e] * Q[q * E + e];
		for (size_t i = 0; i < n; i++) {
			if (q == 1 && i % 2 == 1)
				continue;
			double d = 0, vv = 0;
			for (size_t e = 0; e < E; e++) {
				d += (double)Q[q * E + e] * vec[i * E + e];
				vv += (double)vec[i * E + e] * vec[i * E + e];
			}
			ref[m].s = d / (sqrt(qq) * fmax(sqrt(vv), 1e-8));
			ref[m++].key = (uint32_t)i;
		}
		qsort(ref, m, sizeof *ref, by_ref);
		topk_sort(&hs[q]);
		CHECK_EQ_INT(hs[q].n, k);
		for (size_t i = 0; i < k; i++) {
			CHECK_CLOSE(hs[q].score[i], ref[i].s, 1e-5, 1e-5);
			/* float rounding may swap near-ties; exact ties keep key order */
			if (i + 1 < k && ref[i].s - ref[i + 1].s > 1e-5 && (i == 0 || ref[i - 1].s - ref[i].s > 1e-5))
				CHECK_EQ_INT(hs[q].key[i], ref[i].key);
		}
		if (q == 1)
			for (size_t i = 0; i < k; i++)
				CHECK(hs[q].key[i] % 2 == 0);
	}
	/* the three copies of row 5 are all there, with the same score up to
	 * rounding (BLAS kernels may sum in another order at a block's edge);
	 * where the scores are exactly equal, the lower key comes first */
	for (size_t q = 0; q < nq; q += 2) {
		size_t a = k, b = k, c = k;
		for (size_t i = 0; i < k; i++) {
			if (hs[q].key[i] == 5) a = i;
			if (hs[q].key[i] == 100) b = i;
			if (hs[q].key[i] == 39999) c = i;
		}
		CHECK(a < k && b < k && c < k);
		if (a < k && b < k && c < k) {
			CHECK_CLOSE(hs[q].score[a], hs[q].score[c], 1e-6, 0);
			CHECK_CLOSE(hs[q].score[a], hs[q].score[b], 1e-6, 0);
			if (hs[q].score[a] == hs[q].score[b])
				CHECK(a < b);
		}
	}
	for (size_t q = 0; q < nq; q++)
		topk_free(&hs[q]);
	free(ref), free(vec), free(inv), free(Q);
	return check_done();
}
