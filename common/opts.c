/* opts.c — see opts.h. */
#define _POSIX_C_SOURCE 200809L
#include "opts.h"
#include "msg.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void opt_help(const char *usage)
{
	fputs(usage, stdout);
	if (fflush(stdout) != 0 || ferror(stdout))
		exit(EXIT_WORK);
	exit(EXIT_OK);
}

void opt_version(void)
{
	printf("%s (dcue) %s\n", msg_prog, DCUE_VERSION);
	if (fflush(stdout) != 0 || ferror(stdout))
		exit(EXIT_WORK);
	exit(EXIT_OK);
}

/* The synopsis is the usage text up to its first blank line. */
static void print_synopsis(const char *usage)
{
	const char *end = strstr(usage, "\n\n");
	int n = end ? (int)(end - usage) + 1 : (int)strlen(usage);

	fprintf(stderr, "%.*s", n, usage);
	fprintf(stderr, "Try '%s --help' for more information.\n", msg_prog);
}

void opt_usage_error(const char *usage, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarnx(fmt, ap);
	va_end(ap);
	print_synopsis(usage);
	exit(EXIT_USAGE);
}

void opt_bad(const char *usage)
{
	print_synopsis(usage);
	exit(EXIT_USAGE);
}

long long opt_ll(const char *name, const char *s, long long min, long long max)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		diex(EXIT_USAGE, "%s: '%s' is not an integer", name, s);
	if (v < min || v > max)
		diex(EXIT_USAGE, "%s: %lld is out of range [%lld, %lld]", name, v, min, max);
	return v;
}

double opt_double(const char *name, const char *s, double min, double max)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !isfinite(v))
		diex(EXIT_USAGE, "%s: '%s' is not a number", name, s);
	if (v < min || v > max)
		diex(EXIT_USAGE, "%s: %g is out of range [%g, %g]", name, v, min, max);
	return v;
}

int opt_choice(const char *name, const char *s, const char *const *choices)
{
	char list[256] = "";
	size_t used = 0;

	for (int i = 0; choices[i] != NULL; i++) {
		if (strcmp(s, choices[i]) == 0)
			return i;
		if (used < sizeof list)
			used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "",
			                         choices[i]);
	}
	diex(EXIT_USAGE, "%s: '%s' is not one of: %s", name, s, list);
}
