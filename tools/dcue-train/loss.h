/* loss.h — scores and losses: cosine similarity between a playlist vector
 * and its K = 1 + N track vectors (the positive first), then PyTorch's
 * MultiMarginLoss or softmax cross-entropy with the positive as target.
 *
 * Legend: B samples, K tracks per sample (index 0 the positive), E width. */
#ifndef DCUE_LOSS_H
#define DCUE_LOSS_H

enum criterion { CRIT_MULTI_MARGIN = 0, CRIT_CROSS_ENTROPY = 1 };

/* Cosine similarity u·v / (max(|u|, eps) · max(|v|, eps)). */
#define COSINE_EPS 1e-8f

/* s [B][K]: s[b][j] = cos(u[b], v[b*K + j]); u [B][E], v [B*K][E]. */
void cosine_forward(float *s, const float *u, const float *v, int B, int K, int E);
/* du [B][E] and dv [B*K][E] += the gradient through ds [B][K]; the rows of
 * dv whose ds is exactly 0 are not touched. */
void cosine_backward(float *du, float *dv, const float *ds, const float *u, const float *v,
                     int B, int K, int E);

struct loss_stats {
	double loss;      /* the batch mean */
	int correct;      /* samples whose positive scored highest (ties count) */
	int active;       /* hinge terms > 0 (multi_margin), of B*(K-1) */
};

/* Computes the batch-mean loss of s [B][K] and its gradient ds [B][K]
 * (overwritten).  Under the hinge a negative whose term is 0 gets ds = 0
 * exactly, and so does the positive of a sample whose loss is 0. */
void loss_forward_backward(struct loss_stats *st, float *ds, const float *s, int B, int K,
                           enum criterion crit, float margin);

#endif
