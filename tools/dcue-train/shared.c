/* shared.c — see shared.h. */
#include "shared.h"
#include "msg.h"

#include <stdlib.h>
#include <string.h>

void shared_scratch_init(struct shared_scratch *sc, int bmax, int N, int E)
{
	size_t K = (size_t)N + 1, n = (size_t)bmax * K;

	sc->bmax = bmax;
	sc->N = N;
	sc->E = E;
	sc->vg = xcalloc(n * (size_t)E, sizeof(float));
	sc->dvg = xcalloc(n * (size_t)E, sizeof(float));
	sc->s = xcalloc(n, sizeof(float));
	sc->ds = xcalloc(n, sizeof(float));
	sc->s1 = xcalloc(K, sizeof(float));
	sc->ds1 = xcalloc(K, sizeof(float));
	sc->keep = xcalloc(K, sizeof(int));
}

void shared_scratch_free(struct shared_scratch *sc)
{
	free(sc->vg), free(sc->dvg), free(sc->s), free(sc->ds);
	free(sc->s1), free(sc->ds1), free(sc->keep);
	memset(sc, 0, sizeof *sc);
}

void shared_loss(struct loss_stats *st, float *du, float *dv, const float *u, const float *v,
                 const uint8_t *mask, int B, int N, enum criterion crit, float margin,
                 struct shared_scratch *sc, double *loss_b)
{
	int K = N + 1, E = sc->E;
	size_t row = (size_t)E * sizeof(float);
	double total = 0;

	/* each sample's K vectors side by side, as the paper's path holds them:
	 * the scores and their gradients are then loss.h's, unchanged */
	for (int b = 0; b < B; b++) {
		float *g = sc->vg + (size_t)b * K * E;
		memcpy(g, v + (size_t)b * E, row);
		memcpy(g + E, v + (size_t)B * E, (size_t)N * row);
	}
	cosine_forward(sc->s, u, sc->vg, B, K, E);
	memset(st, 0, sizeof *st);
	memset(sc->ds, 0, (size_t)B * K * sizeof(float));
	for (int b = 0; b < B; b++) {
		const float *sb = sc->s + (size_t)b * K;
		struct loss_stats l1;
		int k = 0;
		sc->keep[k] = 0;
		sc->s1[k++] = sb[0];
		for (int j = 1; j < K; j++)
			if (!mask[(size_t)b * N + (j - 1)]) {
				sc->keep[k] = j;
				sc->s1[k++] = sb[j];
			}
		/* sample b alone: its loss over the scores it keeps, gradient / B */
		loss_forward_backward(&l1, sc->ds1, sc->s1, 1, k, crit, margin);
		for (int i = 0; i < k; i++)
			sc->ds[(size_t)b * K + sc->keep[i]] = sc->ds1[i] / (float)B;
		total += l1.loss;
		st->correct += l1.correct;
		st->active += l1.active;
		if (loss_b != NULL)
			loss_b[b] = l1.loss;
	}
	st->loss = total / B;
	memset(du, 0, (size_t)B * row);
	memset(sc->dvg, 0, (size_t)B * K * row);
	cosine_backward(du, sc->dvg, sc->ds, u, sc->vg, B, K, E);
	/* a shared negative's gradient: the sum over the samples that use it */
	memset(dv, 0, (size_t)(B + N) * row);
	for (int b = 0; b < B; b++)
		for (int j = 0; j < K; j++) {
			if (sc->ds[(size_t)b * K + j] == 0.0f)
				continue;
			const float *src = sc->dvg + ((size_t)b * K + j) * E;
			float *dst = dv + (size_t)(j == 0 ? b : B + j - 1) * E;
			for (int e = 0; e < E; e++)
				dst[e] += src[e];
		}
}

void model_shared_step(struct model *m, struct workspace *ws, int B, int N, const uint8_t *mask,
                       enum criterion crit, float margin, int skip, struct shared_scratch *sc,
                       struct step_stats *st)
{
	struct loss_stats ls;

	model_tracks_forward(m, ws, B + N);
	model_playlists_forward(m, ws, B);
	shared_loss(&ls, ws->du, ws->dv, ws->u, ws->v, mask, B, N, crit, margin, sc, NULL);
	st->loss = ls.loss;
	st->correct = ls.correct;
	st->active_terms = ls.active;
	st->active_tracks = model_backward(m, ws, B, B + N, skip);
}
