/* score.h — dcue-train score: RecSys Challenge 2018 submissions scored
 * with the official metric definitions, at track and artist level, overall
 * and per category; and a popularity baseline scored the same way.
 *
 * The metrics follow Spotify's published metric code (metrics.py of the
 * challenge, Apache-2.0): for targets G and the ranked predictions R capped
 * at 500,
 *   R-precision = |set(R[0:|G_u|]) ∩ G_u| / |G_u|, G_u the unique targets;
 *   NDCG        = DCG / IDCG, DCG = Σ_i rel_i / log2(i + 2) over R truncated
 *                 at 500 then deduplicated (first occurrence kept, i from 0),
 *                 IDCG = Σ_{i < min(500, |G_u|)} 1 / log2(i + 2);
 *   clicks      = ⌊i / 10⌋ for the first i with R[i] ∈ G, 51 when none.
 * At artist level the same functions get the artists of G and of R. */
#ifndef DCUE_TRAIN_SCORE_H
#define DCUE_TRAIN_SCORE_H

#include <stddef.h>
#include <stdint.h>

#define SCORE_K 500        /* tracks per submitted playlist */

/* pred[n]: item ids, most relevant first; -1 is an unknown item (matches
 * nothing and equals no other).  g[ng]: the target ids, sorted ascending
 * and unique (ng > 0). */
double score_rprecision(const int64_t *pred, size_t n, const int64_t *g, size_t ng);
double score_ndcg(const int64_t *pred, size_t n, const int64_t *g, size_t ng);
double score_clicks(const int64_t *pred, size_t n, const int64_t *g, size_t ng);

/* dcue-train score ARGS (argv[0] = "score"). */
int cmd_score(int argc, char **argv);

#endif
