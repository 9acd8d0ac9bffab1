/* fuzz/argv/mpd-parse.c — fuzz_argv's mpd-parse: parse_command() of
 * tools/mpd-parse/main.c (compiled in, main renamed); see argv.h. */
#define ARGV_TOOL mpd_parse
#define ARGV_SOURCE "../../tools/mpd-parse/main.c"
#include "argv.h"

void argv_mpd_parse(int argc, char **argv, void *scratch)
{
	struct args a;

	(void)scratch;
	parse_command(argc, argv, &a);
	if (a.limit < 1 || a.min_count < 1 || a.threads < 1 || a.threads > 2 ||
	    a.mk.per_category < 1 || a.mk.per_category > 100000 || a.mk.min_holdouts < 1 ||
	    a.mk.min_holdouts > 100000)
		abort();
	switch (a.cmd) {
	case CMD_DUMP:
		if (a.argc != 1)
			abort();
		break;
	case CMD_MKCH:
		if (a.argc < 1 || a.outdir == NULL || a.limit_set || a.min_count != 1 ||
		    a.histograms != NULL || a.challenge != NULL)
			abort();
		break;
	case CMD_STATS:
		if (a.argc < 1 || a.mkch_set || a.outdir != NULL || a.challenge != NULL)
			abort();
		break;
	case CMD_PARSE:
		if (a.argc < 1 || a.mkch_set || a.outdir == NULL || a.histograms != NULL)
			abort();
		break;
	default:
		abort();
	}
}
