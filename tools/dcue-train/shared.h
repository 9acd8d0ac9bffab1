/* shared.h — --shared-negatives (beyond the paper): the N negatives of a
 * training step are drawn once and shared by its B samples, so a step runs
 * B + N tracks through the audio branch instead of B·(N+1).
 *
 * Legend: B samples, N shared negatives, K = 1 + N scores per sample,
 * E embedding.  The step's tracks v [B+N][E]: sample b's positive at row b,
 * negative j at row B + j.
 *
 * The paper's sampler draws each sample's negatives among the tracks not
 * in its playlist.  A shared negative that is in sample b's playlist (its
 * positive included) is no negative of b: mask[b][j] = 1 drops it from b's
 * scores, and b's loss is the criterion over its positive and its other
 * negatives — exactly what the paper's loss gives for a sample drawn with
 * those negatives (MultiMarginLoss divides by the scores kept). */
#ifndef DCUE_SHARED_H
#define DCUE_SHARED_H

#include <stdint.h>

#include "loss.h"
#include "model.h"

/* Scratch for shared_loss, allocated once for at most bmax samples. */
struct shared_scratch {
	int bmax, N, E;
	float *vg, *dvg;          /* [bmax][K][E] each sample's K vectors, their gradients */
	float *s, *ds;            /* [bmax][K] */
	float *s1, *ds1;          /* [K] one sample's kept scores */
	int *keep;                /* [K] their positions */
};

void shared_scratch_init(struct shared_scratch *sc, int bmax, int N, int E);
void shared_scratch_free(struct shared_scratch *sc);

/* The step's batch-mean loss (st) and its gradients du [B][E] and
 * dv [B+N][E] (overwritten) from u [B][E], v [B+N][E] and mask [B][N];
 * loss_b [B] (or NULL): each sample's own loss.  Under the hinge a row of
 * dv is exactly 0 when no term of any sample uses it. */
void shared_loss(struct loss_stats *st, float *du, float *dv, const float *u, const float *v,
                 const uint8_t *mask, int B, int N, enum criterion crit, float margin,
                 struct shared_scratch *sc, double *loss_b);

/* A whole shared step in one workspace: the B + N crops in ws->x[0]
 * (positives first), playlists in ws->pidx; forward, shared_loss and the
 * backward (skip as model_train_step), gradients accumulated.  The trainer
 * runs the same pieces split between replicas and ranks (train.c). */
void model_shared_step(struct model *m, struct workspace *ws, int B, int N, const uint8_t *mask,
                       enum criterion crit, float margin, int skip, struct shared_scratch *sc,
                       struct step_stats *st);

#endif
