/* fuzz_mel.c — the .mel reader (common/melfile.c): mel_read, then every
 * value converted as the tools use them.  Binary: runs with and without
 * recomputed CRCs (fuzz.h). */
#include "fuzz.h"
#include "melfile.h"

#include <math.h>

static void run(const char *path)
{
	struct mel m;
	char err[512];

	if (mel_read(path, &m, err, sizeof err) != 0)
		return;
	uint64_t n = m.n_frames * m.n_mels;
	float *v = malloc((n ? n : 1) * sizeof *v);
	if (v == NULL)
		abort();
	mel_to_float(&m, v);
	/* a u8 file's values come from its range: they must be finite */
	if (m.dtype == BIN_U8)
		for (uint64_t i = 0; i < n; i++)
			if (!isfinite(v[i]))
				abort();
	free(v);
	mel_free(&m);
}

FUZZ_BINARY_HARNESS(run)
