/* fuzz_argv.c — every tool's command line: the getopt loop and the checks
 * of values and combinations that follow it (each tool's parse_options()
 * or parse_command(), which fills an options struct and touches no file),
 * run by the per-tool parts in fuzz/argv/ with each main.c compiled in.
 *
 * Input: the first byte picks the tool (and for some a fixed first
 * argument, e.g. dcue-train's subcommand); the rest, split at NUL bytes,
 * is the arguments after it.  A parser that exits must do so with 0
 * (--help, --version) or 2 (a usage error), never 1: it does no work.
 * getopt is reset before each run (optind = 0: GNU getopt's full reset);
 * stdout (--help) goes to /dev/null. */
#include "fuzz.h"
#include "argv/argv.h"

#include <getopt.h>

static const struct target {
	const char *name, *first;  /* argv[0] and a fixed argv[1] (or NULL) */
	void (*parse)(int argc, char **argv, void *scratch);
} targets[] = {
	{ "mpd-parse", NULL, argv_mpd_parse },
	{ "mpd-parse", "stats", argv_mpd_parse },
	{ "mpd-parse", "dump", argv_mpd_parse },
	{ "mpd-parse", "make-challenge", argv_mpd_parse },
	{ "deezer-fetch", NULL, argv_deezer_fetch },
	{ "wav2mel", NULL, argv_wav2mel },
	{ "mel-stats", NULL, argv_mel_stats },
	{ "dcue-plot", NULL, argv_dcue_plot },
	{ "dcue-train", NULL, argv_dcue_train },
	{ "dcue-train", "train", argv_dcue_train },
	{ "dcue-train", "eval", argv_dcue_train },
	{ "dcue-train", "embed", argv_dcue_train },
	{ "dcue-train", "recommend", argv_dcue_train },
	{ "dcue-train", "similar", argv_dcue_train },
	{ "dcue-train", "challenge", argv_dcue_train },
	{ "dcue-train", "score", argv_dcue_train },
};
#define N_TARGETS (sizeof targets / sizeof targets[0])

struct call {
	const struct target *t;
	int argc;
	char **argv;
	void *scratch;
};

static void parse(void *arg)
{
	struct call *k = arg;

	k->t->parse(k->argc, k->argv, k->scratch);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_quiet_stdout();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct call k;
	size_t nargs = 0;

	if (size < 1)
		return 0;
	k.t = &targets[data[0] % N_TARGETS];
	for (size_t i = 1; i < size; i++)
		nargs += data[i] == '\0';
	nargs += size > 1;                    /* the last piece has no NUL after it */
	/* own[]: the strings (each its own allocation, so ASan sees a read past
	 * one); argv[]: what the parser gets, and may permute or overwrite */
	char **own = calloc(nargs + 1, sizeof *own);
	k.argv = calloc(nargs + 3, sizeof *k.argv);
	k.scratch = calloc(nargs + 3, sizeof(char *));
	if (own == NULL || k.argv == NULL || k.scratch == NULL)
		abort();
	k.argc = 0;
	k.argv[k.argc++] = (char *)k.t->name;
	if (k.t->first != NULL)
		k.argv[k.argc++] = (char *)k.t->first;
	size_t start = 1, n = 0;
	for (size_t i = 1; i <= size && size > 1; i++)
		if (i == size || data[i] == '\0') {
			own[n] = fuzz_string(data + start, i - start);
			k.argv[k.argc++] = own[n++];
			start = i + 1;
		}
	k.argv[k.argc] = NULL;
	optind = 0;
	if (fuzz_try(parse, &k) != 0 && fuzz_exit_status != EXIT_OK &&
	    fuzz_exit_status != EXIT_USAGE)
		abort();
	for (size_t i = 0; i < n; i++)
		free(own[i]);
	free(own);
	free(k.argv);
	free(k.scratch);
	return 0;
}
