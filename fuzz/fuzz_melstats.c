/* fuzz_melstats.c — mel-stats's reading and statistics (tools/mel-stats.c,
 * compiled in with its main() renamed): scan_file on the input under both
 * scales, the sums it keeps, and `mel-stats info` (its output dropped).
 * Binary: with and without recomputed CRCs (fuzz.h). */
#include "fuzz.h"

#define main mel_stats_main
#include "../tools/mel-stats.c"
#undef main

static struct acc acc;

static void run(const char *path)
{
	for (int scale = MEL_SCALE_DB; scale <= MEL_SCALE_LOG1P; scale++) {
		struct stats_opts o = { .lo = -80, .hi = 0, .bins = 80, .scale = scale };
		acc_reset(&acc, o.bins);
		if (scan_file(path, &o, &acc) != 0)
			continue;
		double n = (double)acc.values, mean = acc.sum / n;
		if (acc.values > 0 && (!isfinite(mean) || !isfinite(acc.sumsq / n)))
			abort();
	}
	cmd_info(path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_quiet_stdout();
	acc_init(&acc, 80);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_binary(data, size, run);
	return 0;
}
