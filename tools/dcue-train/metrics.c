/* metrics.c — see metrics.h. */
#include "metrics.h"

#include <math.h>
#include <stdlib.h>

const char *const metric_names[MET_COUNT] = { "auc", "recall@10", "recall@100", "ndcg@100",
                                              "rprecision" };

/* qsort has no context argument: the arrays being sorted by. */
static const float *g_score, *g_tie;

static int by_score_desc(const void *a, const void *b)
{
	uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
	if (g_score[i] != g_score[j])
		return g_score[i] > g_score[j] ? -1 : 1;
	if (g_tie[i] != g_tie[j])
		return g_tie[i] > g_tie[j] ? -1 : 1;
	return i < j ? -1 : i > j;
}

int rank_metrics(double out[MET_COUNT], const float *score, const uint8_t *pos,
                 const float *tie, size_t n, uint32_t *order)
{
	size_t npos = 0;

	for (size_t i = 0; i < n; i++)
		npos += pos[i] != 0;
	if (npos == 0 || npos == n)
		return -1;
	for (size_t i = 0; i < n; i++)
		order[i] = (uint32_t)i;
	g_score = score;
	g_tie = tie;
	qsort(order, n, sizeof *order, by_score_desc);

	/* AUC: walk down in groups of equal score; a positive beats every
	 * negative below its group and half of those within it */
	double wins = 0, neg_below = (double)(n - npos);
	for (size_t i = 0; i < n;) {
		size_t j = i, gp = 0, gn = 0;
		while (j < n && score[order[j]] == score[order[i]]) {
			if (pos[order[j]])
				gp++;
			else
				gn++;
			j++;
		}
		neg_below -= (double)gn;
		wins += (double)gp * (neg_below + 0.5 * (double)gn);
		i = j;
	}
	out[MET_AUC] = wins / ((double)npos * (double)(n - npos));

	double hits10 = 0, hits100 = 0, hitsR = 0, dcg = 0, idcg = 0;
	for (size_t r = 0; r < n && r < 100; r++) {
		if (r < npos)
			idcg += 1.0 / log2((double)r + 2.0);
		if (!pos[order[r]])
			continue;
		dcg += 1.0 / log2((double)r + 2.0);
		hits100 += 1;
		hits10 += r < 10;
	}
	for (size_t r = 0; r < npos; r++)
		hitsR += pos[order[r]] != 0;
	out[MET_R10] = hits10 / (double)npos;
	out[MET_R100] = hits100 / (double)npos;
	out[MET_NDCG100] = dcg / idcg;
	out[MET_RPREC] = hitsR / (double)npos;
	return 0;
}
