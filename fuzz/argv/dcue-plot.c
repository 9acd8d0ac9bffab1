/* fuzz/argv/dcue-plot.c — fuzz_argv's dcue-plot: parse_options() of
 * tools/dcue-plot/main.c (compiled in, main renamed); see argv.h. */
#define ARGV_TOOL dcue_plot
#define ARGV_SOURCE "../../tools/dcue-plot/main.c"
#include "argv.h"

void argv_dcue_plot(int argc, char **argv, void *scratch)
{
	struct options o;

	(void)scratch;
	parse_options(&o, argc, argv);
	if (o.out == NULL || o.kind < 0 || o.kind > 5 || o.argc < 1 || o.plot.gnuplot == NULL ||
	    o.max_frames < 2 || o.max_frames > 100000)
		abort();
	if (o.plot.term != TERM_PNG && o.plot.term != TERM_SVG && o.plot.term != TERM_DUMB)
		abort();
	if (o.plot.width < 10 || o.plot.width > 20000 || o.plot.height < 5 ||
	    o.plot.height > 20000)
		abort();
}
