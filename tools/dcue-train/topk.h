/* topk.h — partial selection: the k best (score, key) pairs of a stream,
 * and the blocked cosine search that recommend, similar and challenge use.
 *
 * Order: a higher score is better; equal scores go to the lower key, so
 * every list is deterministic.  Legend: Q queries, n table rows, E width. */
#ifndef DCUE_TOPK_H
#define DCUE_TOPK_H

#include <stddef.h>
#include <stdint.h>

struct topk {
	size_t k, n;              /* capacity, held */
	float *score;             /* [k] a min-heap: the worst held pair at 0 */
	uint32_t *key;            /* [k] */
};

void topk_init(struct topk *h, size_t k);
void topk_free(struct topk *h);
void topk_clear(struct topk *h);
/* Keeps (s, key) when it is among the k best so far. */
void topk_push(struct topk *h, float s, uint32_t key);
/* Sorts the held pairs best first (the heap is spent: topk_clear to reuse). */
void topk_sort(struct topk *h);

/* inv [n] = 1 / max(|vec[i]|, COSINE_EPS) for vec [n][E]. */
void cosine_inv_norms(const float *vec, size_t n, size_t E, float *inv);

/* For each query q of Q [nq][E]: heaps[q] receives the cosine of q with
 * every row i of vec [n][E] (inv its cosine_inv_norms) whose skip(ctx, q,
 * i) is 0 (skip may be NULL), keyed by i.  Blocks of rows through one
 * sgemm each (sgemv for one query), so memory beyond the table is a few MB
 * whatever n. */
void cosine_search(const float *Q, size_t nq, const float *vec, const float *inv, size_t n,
                   size_t E, int (*skip)(void *ctx, size_t q, size_t i), void *ctx,
                   struct topk *heaps);

#endif
