/* fuzz_stats.c — dcue-train's --stats reader (tools/dcue-train/setup.c,
 * read_stats): the mel-stats output it takes mel_min, mel_max, mel_mean
 * and mel_std from.  It dies on a bad file (exit() is caught, fuzz.h);
 * what it accepts must be finite and in the options' ranges. */
#include "fuzz.h"
#include "dcue.h"

#include <math.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_quiet();
	return 0;
}

static void run(void *o)
{
	read_stats(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct options o;

	memset(&o, 0, sizeof o);
	o.stats = fuzz_file(0, data, size);
	o.cfg.mel_min = -80;
	o.cfg.mel_std = 1;
	if (fuzz_try(run, &o) != 0)
		return 0;
	if (!(fabsf(o.cfg.mel_min) <= 1e6f) || !(fabsf(o.cfg.mel_max) <= 1e6f) ||
	    !(fabsf(o.cfg.mel_mean) <= 1e6f) || !(o.cfg.mel_std > 0 && o.cfg.mel_std <= 1e6f))
		abort();
	return 0;
}
