/* checkpoint.h — the DCUECKP file: a model with everything needed to
 * resume its training bit for bit.
 *
 * The layout (magic, version, dimensions, the history rows, the payload's
 * size) is common/ckptfile.h's, shared with dcue-plot.  Here:
 * Meta: struct ckpt_meta (the configuration and the training state).
 * dims[0] = n_params: model.h's layout of a whole model (the [P][H]
 *   playlist table, then the shared weights), for the parameters and again
 *   for the momentum.
 * row_step[P] (version 2): the optimiser steps playlist row p had been
 *   through (lazy rows, model.h); its stored weights and momentum are as of
 *   that step.  Readers bring every row to st.step (ckpt_read); a resume
 *   keeps them as they are, so it continues bit for bit whenever the
 *   checkpoint was taken.  Version 1 files (no row_step) are read with
 *   every row at st.step. */
#ifndef DCUE_CHECKPOINT_H
#define DCUE_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "ckptfile.h"
#include "model.h"

struct train_state {
	uint64_t epoch;           /* completed epochs */
	uint64_t step;            /* optimiser steps so far */
	uint64_t step_in_epoch;   /* steps done in the epoch in progress */
	uint64_t rng[4];          /* the sampling generator */
	/* the epoch in progress, so far */
	double loss_sum, correct, samples, active_terms, terms, seconds;
	double elapsed;           /* training seconds before this run */
};

struct ckpt_meta {
	struct dcue_config cfg;
	struct train_state st;
};

struct history {
	struct metric_row *rows;
	size_t n, cap;
};

void history_push(struct history *h, const struct metric_row *r);
void history_free(struct history *h);
/* Writes the metrics TSV (header + every row) atomically; -1 on error. */
int history_write_tsv(const struct history *h, const char *path);
/* The same, complete but uncommitted in *af (for atomic_commit_set). */
struct atomic_file;
int history_write_sealed(struct atomic_file *af, const struct history *h, const char *path);

/* -1 with errno on failure (nothing is left at path).  m holds every
 * playlist's row. */
int ckpt_write(const char *path, const struct model *m, const struct train_state *st,
               const struct history *h);
/* The same, complete but uncommitted in *w (for atomic_commit_set). */
struct bin_writer;
int ckpt_write_sealed(struct bin_writer *w, const char *path, const struct model *m,
                      const struct train_state *st, const struct history *h);

/* The playlist table in blocks of at most CKPT_ROW_BLOCK rows, so that
 * writing a million rows needs no second copy of the table (and a rank of
 * an MPI run can gather them from the others): get(ctx, which, p0, n, dst)
 * fills dst with rows p0..p0+n of the weights (which 0, f32 [n][H]), of
 * the momentum (which 1, f32 [n][H]) or of row_step (which 2, u64 [n]),
 * called in that order, block after block.  The shared weights come from
 * m. */
#define CKPT_ROW_BLOCK 4096
struct ckpt_rows {
	void (*get)(void *ctx, int which, size_t p0, size_t n, void *dst);
	void *ctx;
};
int ckpt_write_rows(const char *path, const struct model *m, const struct ckpt_rows *rows,
                    const struct train_state *st, const struct history *h);
/* The same, complete but uncommitted in *w (for atomic_commit_set). */
int ckpt_write_rows_sealed(struct bin_writer *w, const char *path, const struct model *m,
                           const struct ckpt_rows *rows, const struct train_state *st,
                           const struct history *h);

/* Reads into a freshly initialised model m (model_init from the stored
 * configuration), every row brought up to date; st and h may be NULL.
 * -1 with the reason in err. */
int ckpt_read(const char *path, struct model *m, struct train_state *st, struct history *h,
              char *err, size_t errcap);
/* For a resume: keeps only the rows of playlists p % parts == part
 * (model_init_part: a rank's share), each as of its own row_step. */
int ckpt_read_part(const char *path, struct model *m, int parts, int part,
                   struct train_state *st, struct history *h, char *err, size_t errcap);

/* Describes the first architecture difference between a and b into buf
 * ("embedding: 256 in the checkpoint, 128 now"); 0 when they match. */
int config_diff_arch(const struct dcue_config *ckpt, const struct dcue_config *now, char *buf,
                     size_t cap);
/* Same for the training settings and the data; 0 when they match. */
int config_diff_training(const struct dcue_config *ckpt, const struct dcue_config *now,
                         char *buf, size_t cap);

#endif
