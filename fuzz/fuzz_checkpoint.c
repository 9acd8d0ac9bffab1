/* fuzz_checkpoint.c — dcue-train's checkpoint reader (checkpoint.c):
 * ckpt_read with its training state and history, then the configuration
 * compared with itself as --load does.  Binary: with and without
 * recomputed CRCs (fuzz.h).  A configuration that would size allocations
 * beyond the file is caught by libFuzzer's -malloc_limit_mb. */
#include "fuzz.h"
#include "checkpoint.h"

static void run(const char *path)
{
	struct model m;
	struct train_state st;
	struct history h = { 0 };
	char err[1024], diff[256];

	if (ckpt_read(path, &m, &st, &h, err, sizeof err) != 0)
		return;
	if (config_diff_arch(&m.cfg, &m.cfg, diff, sizeof diff) != 0 ||
	    config_diff_training(&m.cfg, &m.cfg, diff, sizeof diff) != 0)
		abort();
	for (size_t i = 0; i < h.n; i++)
		if (h.rows[i].kind != ROW_EPOCH && h.rows[i].kind != ROW_STEP)
			abort();
	history_free(&h);
	model_free(&m);
}

FUZZ_BINARY_HARNESS(run)
