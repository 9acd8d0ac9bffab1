/* model.h — the DCUE model: parameters, workspace, forward and backward.
 *
 * Legend: P playlists, H playlist-branch width (300), E embedding (256),
 * M mel bands (128), C first convolution's channels (128), T crop frames
 * (130), B samples per batch, K = 1 + N tracks per sample (positive first),
 * n tracks in a pass (B*K when training).
 *
 *   playlist p: emb[p] → ReLU → dense H→H → ReLU → dense H→E      = u
 *   track crop [T][M]: conv M→C k4, ReLU, pool 4 → conv C→E k4, ReLU,
 *     pool 4 → conv E→E k4, ReLU, pool 4 → conv E→E k2, ReLU, pool 2 →
 *     conv E→E k1, ReLU → mean over time → dense E→E              = v
 *   score = cos(u, v)
 *
 * All parameters live in one allocation with a pointer per tensor; the
 * gradients and the momentum buffer have the same layout, so the optimiser
 * is one flat loop. */
#ifndef DCUE_MODEL_H
#define DCUE_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "loss.h"
#include "rng.h"

struct pool;

#define MODEL_CONVS 5
/* The convolutions run on chunks of tracks whose output fits the scratch
 * buffer: MODEL_CHUNK tracks of the first layer (about 1 MB), more of the
 * smaller later layers — large enough for efficient GEMMs, small enough
 * that the GEMM's output is still in L2 when the pooling reads it (16 took
 * 5% less CPU per forward pass than 64 here; -D to try others). */
#ifndef MODEL_CHUNK
#define MODEL_CHUNK 16
#endif

/* Stored verbatim in checkpoints (see docs/dcue-train.md): fixed-width
 * fields only, no padding. */
struct dcue_config {
	/* architecture: a checkpoint only loads into the same */
	uint32_t n_playlists;    /* P */
	uint32_t mel_bins;       /* M */
	uint32_t mel_length;     /* T */
	uint32_t embedding;      /* E */
	uint32_t channels;       /* C */
	uint32_t hidden;         /* H */
	/* training: resuming needs the same, otherwise it is a fine-tune */
	uint32_t criterion;      /* enum criterion */
	uint32_t nb_negatives;   /* N */
	uint32_t batch_size;     /* B */
	uint32_t train_pct, valid_pct, heldout_pct;
	uint32_t limit;          /* playlists used, 0 = all */
	uint32_t steps_per_epoch;/* 0 = one pass over the training interactions */
	float margin, lr, momentum;
	float mel_min, mel_max, mel_mean, mel_std;
	uint32_t reserved0;
	uint64_t seed;
	/* the data the split was made from */
	uint32_t n_tracks;       /* rows of tracks.tsv */
	uint32_t n_mel_tracks;   /* of which have a .mel */
	uint32_t split_crc;      /* CRC-32 of the per-track split */
	uint32_t reserved1;
};

struct conv_shape {
	int Ci, Co, k, p;        /* channels in/out, kernel, pool after */
	int T, S, U;             /* valid frames in, stride (T + k - 1), pooled T / p */
};

struct params {                  /* pointers into one buffer */
	float *emb;              /* [P][H] */
	float *d1w, *d1b;        /* [H][H], [H] */
	float *d2w, *d2b;        /* [H][E], [E] */
	float *cw[MODEL_CONVS];  /* [k][Ci][Co] */
	float *cb[MODEL_CONVS];  /* [Co] */
	float *ow, *ob;          /* [E][E], [E] */
};

/* The buffers hold the playlist table first ([n_rows][H]), then the
 * shared weights (n_shared floats, contiguous: what replicas and ranks sum
 * their gradients over).  A whole model holds every playlist's row; a rank
 * of an MPI run holds only its own (n_rows < P, see dist.h). */
struct model {
	struct dcue_config cfg;
	struct conv_shape conv[MODEL_CONVS];
	size_t n_params;         /* n_rows*H + n_shared */
	size_t n_rows;           /* playlist rows held here */
	int parts, part;         /* rows held: playlists p with p % parts == part,
	                          * local row (p - part) / parts */
	size_t n_shared;         /* the weights after the table */
	float *mem;              /* params, grads, momentum: 3 × n_params */
	size_t mem_bytes;
	float *param_mem, *grad_mem, *mom_mem;
	struct params p, g;      /* tensors of params and of grads */
	/* lazy playlist rows (model_rows_*): optimiser steps each row has been
	 * brought through [n_rows]; NULL in a replica */
	uint64_t *row_step;
};

/* Fills conv[] from cfg; -1 when T is too short for the pooling. */
int model_shapes(struct conv_shape conv[MODEL_CONVS], const struct dcue_config *cfg);
void model_init(struct model *m, const struct dcue_config *cfg);
/* The floats model_init would allocate per buffer, without allocating;
 * 0 when the shapes are invalid.  For readers sizing from a file. */
size_t model_n_params(const struct dcue_config *cfg);
/* The same holding only the rows of playlists p % parts == part (a rank's
 * share).  Buffers are fresh zero pages: the gradient table that lazy
 * training never uses costs no memory. */
void model_init_part(struct model *m, const struct dcue_config *cfg, int parts, int part);
/* He-uniform convolutions, PyTorch-default dense layers, N(0,1) embedding. */
void model_randomize(struct model *m, struct rng *r);
/* Tables of at least this many values are drawn by several threads, with
 * the same values as one (2^22; tests lower it). */
extern size_t model_draw_split;
void model_free(struct model *m);
void model_zero_grad(struct model *m);
/* SGD with Nesterov momentum as torch.optim.SGD(nesterov=True):
 * buf = mu*buf + g; g = g + mu*buf; p -= lr*g. */
void model_sgd_step(struct model *m, float lr, float mu);

/* A replica r of m for one worker: reads m's shared weights, its own
 * gathered playlist rows rows [bmax][H] (ws->pidx indexes them), and
 * writes every gradient into grad [n_shared + bmax*H]: the shared weights'
 * in m's layout, then the rows'.  r owns no memory (no model_free). */
void model_bind_replica(struct model *r, const struct model *m, float *rows, float *grad,
                        int bmax);

/* Lazy playlist rows.  A step touches only the rows it used: the shared
 * weights take the update above, each used row the same update with its
 * own gradient, and a row left alone for k steps is brought through those
 * k zero-gradient steps at once when it is next used (or before a
 * checkpoint, an evaluation, an embedding).  With g = 0 the update is
 *   buf_j = mu*buf_{j-1};  p_j = p_{j-1} - lr*mu*buf_j = p_{j-1} - lr*mu^(j+1)*buf_0
 * so after k steps
 *   buf_k = mu^k*buf_0;  p_k = p_0 - lr*buf_0*mu^2*(1 - mu^k)/(1 - mu).
 * `step` counts optimiser steps since the start of training. */
void model_sgd_shared(struct model *m, const float *g, float lr, float mu);
/* Row `row` brought up to `step` (it has been through row_step[row]). */
void model_row_catch_up(struct model *m, size_t row, uint64_t step, float lr, float mu);
/* Step `step` for a row (caught up first): gradient g [H]. */
void model_row_step(struct model *m, size_t row, const float *g, uint64_t step, float lr,
                    float mu);
/* Every row brought up to `step`. */
void model_rows_catch_up(struct model *m, uint64_t step, float lr, float mu);
/* Marks every row as being at `step` (after loading a checkpoint). */
void model_rows_set_step(struct model *m, uint64_t step);

/* Activations and scratch for passes of at most nmax tracks and bmax
 * playlists, allocated once. */
struct workspace {
	int nmax, bmax;
	float *x[MODEL_CONVS];   /* conv inputs [n][S][Ci]; x[0] = the crops */
	float *h;                /* conv output scratch [n][S][Co] */
	int *am[MODEL_CONVS];    /* pooling argmax [n][U][Co] */
	float *y;                /* last conv after ReLU [n][U][E] */
	float *mvec;             /* mean over time [n][E] */
	float *v;                /* track vectors [n][E] */
	int *pidx;               /* playlists [B] */
	float *pe, *pa1, *pr1, *pa2, *u; /* [B][H] emb (after ReLU), dense1, ReLU, dense2 = u [B][E] */
	float *s, *ds;           /* [B][K] */
	/* backward, on the active tracks only */
	int *act;                /* [n] active track → its index in the pass */
	float *dv, *dvc, *mc, *dm;   /* [n][E] */
	float *dx[MODEL_CONVS];  /* conv input gradients (dx[0] unused) */
	float *dh;               /* conv output gradient [n][S][Co]; shares h */
	float *dy;               /* [n][U][E] */
	float *du, *dpa2, *dpr1, *dpe; /* playlist branch grads */
	float *wt, *dwt;         /* a conv's weights and weight gradient transposed [Co][k*Ci] */
	void *sp_scratch;        /* the sparse backward's lists and second thread's sums */
	int sparse;              /* conv backward: SPARSE_AUTO, SPARSE_NEVER or SPARSE_ALWAYS */
	size_t chunk_floats;     /* the conv scratch h holds this many floats */
	/* model_tracks_forward's tracks split between threads (workspace_threads):
	 * 0 or 1 = on the calling thread only */
	int threads;
	float **hs;              /* [threads] conv scratches, hs[0] = h */
	struct pool *pool;
};

/* The sparse conv backward pays per non-zero element of the pooled
 * gradient, the dense one per element of the conv output (p times more);
 * sparse is used when the first is below this fraction of the second. */
#define SPARSE_MAX_DENSITY 0.3
enum { SPARSE_AUTO = 0, SPARSE_NEVER = 1, SPARSE_ALWAYS = 2 };

void workspace_init(struct workspace *w, const struct model *m, int nmax, int bmax);
/* From now on model_tracks_forward splits its tracks between `threads`
 * threads (the caller's included), each running its share through every
 * layer with its own scratch: one replica per core instead of BLAS's
 * threads inside every GEMM (which wait on each other at every call).  The
 * caller makes BLAS single-threaded (openblas_set_num_threads(1)) for as
 * long as the workspace is used this way. */
void workspace_threads(struct workspace *w, int threads);
void workspace_free(struct workspace *w);

/* Track vectors ws->v for n tracks whose crops are in ws->x[0] (each
 * [S0][M] with the crop at rows pad_left..pad_left+T, the pad rows 0);
 * split between ws->threads threads when more than 1. */
void model_tracks_forward(const struct model *m, struct workspace *ws, int n);
/* Playlist vectors ws->u for ws->pidx[0..B). */
void model_playlists_forward(const struct model *m, struct workspace *ws, int B);

struct step_stats {
	double loss;
	int correct;
	int active_terms;        /* hinge terms > 0 */
	int active_tracks;       /* tracks whose backward ran */
};

/* One training step's forward and backward: tracks in x[0] (B*K of them,
 * sample b's at b*K..), playlists in pidx; accumulates gradients (the caller
 * zeroes them and steps the optimiser).  The backward pass packs the active
 * tracks' activations to the front of ws->x[] in place: x[0] must be
 * refilled before the next step.  skip = 0 runs the backward of every
 * track (for tests); 1 skips the tracks whose score gradient is 0. */
void model_train_step(struct model *m, struct workspace *ws, int B, int K, enum criterion crit,
                      float margin, int skip, struct step_stats *st);
/* Forward only: loss and accuracy. */
void model_eval_step(struct model *m, struct workspace *ws, int B, int K, enum criterion crit,
                     float margin, struct step_stats *st);

/* Marks big buffers for transparent huge pages (best effort); zeroes them
 * when zero is set (untouched pages cost no memory until used). */
void *alloc_big(size_t bytes, int zero);
void free_big(void *p);

#endif
