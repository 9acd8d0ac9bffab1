/* ckptfile.h — the DCUECKP checkpoint file's layout, as far as it is shared:
 * dcue-train writes and reads whole checkpoints (tools/dcue-train/
 * checkpoint.h: the meta, the parameters); dcue-plot reads their metric
 * history.  Both take the magic, version, row layout and payload size from
 * here, so a new version changes both at once.
 *
 * Container: binfile.h, magic "DCUECKP\0", version 2, dtype mixed,
 *   dims[0] = n_params   floats in the parameter buffer
 *   dims[1] = n_history  rows of metric history
 *   dims[2] = n_rowsteps rows of row_step: P (version 2), 0 (version 1)
 * Meta: dcue-train's struct ckpt_meta (the configuration and the training
 *   state); meta_bytes in the header says how long it is, so a reader of
 *   the history alone needs no definition of it.
 * Payload: f32 params[n_params], f32 momentum[n_params],
 *          struct metric_row history[n_history],
 *          u64 row_step[n_rowsteps] (version 2; checkpoint.h says what
 *          they mean).
 * Integers and floats little-endian (the writer's and reader's native
 * order on every platform dcue builds on; checked at compile time). */
#ifndef DCUE_CKPTFILE_H
#define DCUE_CKPTFILE_H

#include <stddef.h>
#include <stdint.h>

#include "binfile.h"

#define CKPT_MAGIC "DCUECKP"
#define CKPT_VERSION 2

enum { ROW_EPOCH = 0, ROW_STEP = 1 };

/* One row of metric history, stored verbatim (72 bytes); the metrics TSV's
 * columns in its order. */
struct metric_row {
	uint32_t kind;            /* ROW_EPOCH or ROW_STEP */
	uint32_t epoch;           /* 1-based */
	uint64_t step;
	double train_loss, train_acc, valid_loss, valid_acc, samples_per_s, elapsed_s,
	       active_frac;       /* NAN when missing */
};

_Static_assert(sizeof(struct metric_row) == 72, "metric_row is stored verbatim");
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "files are little-endian");

/* The payload's size in bytes for these dimensions, or UINT64_MAX when it
 * does not fit in 64 bits (no file can hold that). */
uint64_t ckpt_payload_bytes(uint64_t n_params, uint64_t n_history, uint64_t n_rowsteps);

/* The row steps a file of h's version holds: dims[2] from version 2 on, none
 * before. */
uint64_t ckpt_rowsteps(const struct bin_header *h);

/* h's payload_bytes against its dimensions; -1 with the problem in why
 * ("payload of N bytes does not hold ..."), 0 when they agree. */
int ckpt_check_payload_size(const struct bin_header *h, char *why, size_t cap);

/* Every row of a known kind; -1 with the first that is not in why
 * ("history row I has unknown kind K ..."), else 0. */
int ckpt_check_history(const struct metric_row *rows, size_t n, char *why, size_t cap);

/* The metric history of the checkpoint at path (any version up to
 * CKPT_VERSION, any meta size): *rows (malloc'd, free() it; NULL when *n is
 * 0) and *n.  The parameters and row steps are read only for the data CRC,
 * through a 1 MiB buffer; the rows are returned only once the CRC has
 * matched and each is of a known kind.  -1 with the reason, naming the
 * file, in err (nothing to free). */
int ckpt_history_load(const char *path, struct metric_row **rows, size_t *n, char *err,
                      size_t errcap);

#endif
