/* foldin.h — a vector for a playlist the model has never seen, from its
 * seed tracks (docs/dcue-train.md, "Recommending for new playlists").
 *
 * Legend: H playlist-branch width, E embedding, S seeds, n table rows,
 * N negatives per positive, B positives per step.
 *
 *   mean: u = Σ_s v_s / |v_s|, the direction of the seeds' normalised track
 *         vectors (no model parameter involved);
 *   sgd:  the networks frozen, a new embedding row r [H] fitted by SGD with
 *         Nesterov momentum to rank each seed above N sampled non-seed
 *         tracks under the model's training loss; u = branch(r). */
#ifndef DCUE_FOLDIN_H
#define DCUE_FOLDIN_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

/* FOLDIN_TRAINED (challenge only): the model's own row of the playlist when
 * it was trained on its seeds (mpd-parse --challenge), else sgd. */
enum foldin_method { FOLDIN_MEAN = 0, FOLDIN_SGD = 1, FOLDIN_TRAINED = 2 };

struct foldin_opts {
	enum foldin_method method;
	int steps;               /* sgd: optimiser steps (100) */
	float lr;                /* sgd: learning rate (1.0) */
	float momentum;          /* sgd: Nesterov momentum (0.9) */
	int batch;               /* sgd: positives per step (16, at most S) */
	uint64_t seed;           /* sgd: negatives and order */
};

#define FOLDIN_STEPS 100
#define FOLDIN_LR 1.0f

void foldin_defaults(struct foldin_opts *fo);

/* r0 [H]: the row sgd starts from, the mean of the model's trained rows. */
void foldin_start_row(const struct model *m, float *r0);

/* u [E] for seeds (rows of vec [n][E]); is_seed [n] marks them (the
 * negatives are drawn from the other rows).  S >= 1. */
void foldin(const struct model *m, const struct foldin_opts *fo, const float *r0,
            const float *vec, size_t n, const uint32_t *seeds, size_t S, const uint8_t *is_seed,
            float *u);

/* u [E] for the playlist row r [H]: the frozen playlist branch. */
void foldin_branch(const struct model *m, const float *r, float *pe, float *a1, float *u);

#endif
