/* fuzz_opts.c — the option-value parsers every tool uses (common/opts.c:
 * opt_ll, opt_double, opt_choice, which exit 2 on a bad value: caught,
 * fuzz.h) and deezer-fetch's --rate (ratelimit_parse).  The first byte
 * picks the parser, the rest is the option's value.  What a parser
 * accepts must be within the range it was given.
 *
 * The tools' getopt loops, which call these, are fuzz_argv's. */
#include "fuzz.h"
#include "opts.h"
#include "ratelimit.h"

#include <math.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_quiet_stdout();
	return 0;
}

struct call {
	int which;
	const char *s;
	long long ll;
	double d;
	int c;
};

static const char *const choices[] = { "db", "log1p", "hinge", "cross-entropy", NULL };

static void parse(void *arg)
{
	struct call *k = arg;

	switch (k->which) {
	case 0: k->ll = opt_ll("--n", k->s, -5, 1000000); break;
	case 1: k->ll = opt_ll("--seed", k->s, 0, INT64_MAX); break;
	case 2: k->d = opt_double("--x", k->s, -1e6, 1e6); break;
	case 3: k->c = opt_choice("--scale", k->s, choices); break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct call k = { 0 };
	uint32_t n;
	double secs;

	if (size < 1)
		return 0;
	k.which = data[0] % 5;
	char *s = fuzz_string(data + 1, size - 1);
	k.s = s;
	if (k.which == 4) {
		if (ratelimit_parse(s, &n, &secs) == 0 && n != 0 &&
		    (n > RATELIMIT_MAX_N || !(secs >= 0.001 && secs <= 86400)))
			abort();
	} else if (fuzz_try(parse, &k) == 0) {
		if ((k.which == 0 && (k.ll < -5 || k.ll > 1000000)) ||
		    (k.which == 1 && k.ll < 0) ||
		    (k.which == 2 && !(fabs(k.d) <= 1e6)) ||
		    (k.which == 3 && (k.c < 0 || k.c > 3)))
			abort();
	}
	free(s);
	return 0;
}
