/* score_metrics.c — the RecSys Challenge 2018 metrics, as defined in
 * score.h (Spotify's metric code). */
#include "score_impl.h"

#include <math.h>
#include <stdlib.h>

int score_in_sorted(const int64_t *g, size_t ng, int64_t x)
{
	size_t lo = 0, hi = ng;

	if (x < 0)
		return 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (g[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ng && g[lo] == x;
}

int score_cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

double score_rprecision(const int64_t *pred, size_t n, const int64_t *g, size_t ng)
{
	size_t k = n < SCORE_K ? n : SCORE_K, hits = 0;
	int64_t m[SCORE_K];

	if (k > ng)
		k = ng;
	/* set(pred[:|G|]) ∩ G: the distinct matching ids */
	for (size_t i = 0; i < k; i++)
		if (score_in_sorted(g, ng, pred[i]))
			m[hits++] = pred[i];
	qsort(m, hits, sizeof *m, score_cmp_i64);
	size_t distinct = 0;
	for (size_t i = 0; i < hits; i++)
		distinct += i == 0 || m[i] != m[i - 1];
	return (double)distinct / (double)ng;
}

struct idx { int64_t id; size_t at; };

static int cmp_idx(const void *a, const void *b)
{
	const struct idx *x = a, *y = b;

	if (x->id != y->id)
		return (x->id > y->id) - (x->id < y->id);
	return (x->at > y->at) - (x->at < y->at);
}

double score_ndcg(const int64_t *pred, size_t n, const int64_t *g, size_t ng)
{
	size_t k = n < SCORE_K ? n : SCORE_K, rank = 0;
	struct idx v[SCORE_K];
	unsigned char first[SCORE_K];
	double dcg = 0, idcg = 0;

	/* truncate at 500, then keep each id's first occurrence (-1: all kept) */
	for (size_t i = 0; i < k; i++)
		v[i] = (struct idx){ pred[i], i };
	qsort(v, k, sizeof *v, cmp_idx);
	for (size_t i = 0; i < k; i++)
		first[v[i].at] = v[i].id < 0 || i == 0 || v[i].id != v[i - 1].id;
	for (size_t i = 0; i < k; i++) {
		if (!first[i])
			continue;
		if (score_in_sorted(g, ng, pred[i]))
			dcg += 1.0 / log2((double)rank + 2.0);
		rank++;
	}
	for (size_t i = 0; i < ng && i < SCORE_K; i++)
		idcg += 1.0 / log2((double)i + 2.0);
	return dcg / idcg;
}

double score_clicks(const int64_t *pred, size_t n, const int64_t *g, size_t ng)
{
	size_t k = n < SCORE_K ? n : SCORE_K;

	for (size_t i = 0; i < k; i++)
		if (score_in_sorted(g, ng, pred[i]))
			return (double)(i / 10);
	return SCORE_K / 10 + 1;
}
