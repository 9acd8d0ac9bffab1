/* fuzz/argv/mel-stats.c — fuzz_argv's mel-stats: parse_options() of
 * tools/mel-stats.c (compiled in, main renamed); see argv.h. */
#define ARGV_TOOL mel_stats
#define ARGV_SOURCE "../../tools/mel-stats.c"
#include "argv.h"

void argv_mel_stats(int argc, char **argv, void *scratch)
{
	struct options o;

	(void)scratch;
	parse_options(&o, argc, argv);
	if (o.out == NULL || o.o.bins < 1 || o.o.bins > 1000000 ||
	    (o.o.scale != MEL_SCALE_DB && o.o.scale != MEL_SCALE_LOG1P) ||
	    !(fabs(o.o.lo) <= 1e6 && fabs(o.o.hi) <= 1e6))
		abort();
	if (o.argc >= 1 && (strcmp(o.argv[0], "info") == 0 || strcmp(o.argv[0], "dump") == 0)) {
		if (o.argc != 2)
			abort();
	} else if (o.argc < 1 || !(o.o.hi > o.o.lo)) {
		abort();
	}
}
