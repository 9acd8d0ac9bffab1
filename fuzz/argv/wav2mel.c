/* fuzz/argv/wav2mel.c — fuzz_argv's wav2mel: parse_options() of
 * tools/wav2mel/main.c (compiled in, main renamed); see argv.h. */
#define ARGV_TOOL wav2mel
#define ARGV_SOURCE "../../tools/wav2mel/main.c"
#include "argv.h"

void argv_wav2mel(int argc, char **argv, void *scratch)
{
	struct options o;
	char err[256];

	(void)scratch;
	parse_options(&o, argc, argv);
	if ((o.dtype != BIN_U8 && o.dtype != BIN_F32) || o.ffmpeg == NULL ||
	    melspec_config_check(&o.cfg, err, sizeof err) != 0 || o.cfg.n_fft % 2 != 0 ||
	    o.cfg.hop > o.cfg.n_fft)
		abort();
	if (o.group < 1 || o.group > DECODE_MAX_GROUP || o.jobs < 1 || o.jobs > 64 ||
	    !(o.wait_s >= 0 && o.wait_s <= 86400))
		abort();
	if (o.batch ? o.argc != 0 || o.outdir == NULL
	            : o.argc != 2 || o.outdir != NULL || o.delete_input ||
	              strcmp(o.argv[1], "-") == 0)
		abort();
}
