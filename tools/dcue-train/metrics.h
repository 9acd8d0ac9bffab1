/* metrics.h — ranking metrics of one playlist's candidate list.
 *
 * ROC-AUC (the paper's): the probability that a positive scores above a
 * negative, ties counting 1/2.  recall@k: positives in the top k / all
 * positives.  NDCG@100: binary relevance, DCG over the top 100 divided by
 * the ideal DCG for min(positives, 100).  R-precision: positives in the top
 * R / R, R = the number of positives (the RecSys Challenge 2018 metrics,
 * by track only).  The top-k order breaks score ties by a random key, so a
 * constant score (popularity on cold tracks) ranks like random. */
#ifndef DCUE_METRICS_H
#define DCUE_METRICS_H

#include <stddef.h>
#include <stdint.h>

enum { MET_AUC, MET_R10, MET_R100, MET_NDCG100, MET_RPREC, MET_COUNT };
extern const char *const metric_names[MET_COUNT];

/* score [n], pos [n] (1 = positive), tie [n] random keys; order is
 * scratch for n indices.  Fills out[MET_COUNT]; returns -1 (out untouched)
 * when there is no positive or no negative. */
int rank_metrics(double out[MET_COUNT], const float *score, const uint8_t *pos,
                 const float *tie, size_t n, uint32_t *order);

#endif
