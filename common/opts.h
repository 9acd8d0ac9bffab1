/* opts.h — the option conventions every tool keeps.
 *
 * Tools parse with getopt_long.  These helpers give them the shared parts:
 * --help prints the usage text on stdout and exits 0; --version prints
 * "PROG (dcue) VERSION" and exits 0; a bad option prints the synopsis on
 * stderr and exits 2; numeric option values are parsed strictly (the whole
 * string, in range) or the tool exits 2 naming the option. */
#ifndef DCUE_OPTS_H
#define DCUE_OPTS_H

#include <stdint.h>

#define DCUE_VERSION "0.1.0"

/* Long-option codes for --help/--version that do not clash with chars. */
enum { OPT_HELP = 'h', OPT_VERSION = 0x1000 };

_Noreturn void opt_help(const char *usage);               /* stdout, exit 0 */
_Noreturn void opt_version(void);                         /* stdout, exit 0 */
_Noreturn void opt_usage_error(const char *usage, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));                /* stderr, exit 2 */
_Noreturn void opt_bad(const char *usage);               /* after getopt's own message */

long long opt_ll(const char *name, const char *s, long long min, long long max);
double opt_double(const char *name, const char *s, double min, double max);
/* Index of s in the NULL-terminated list, or exit 2 listing the choices. */
int opt_choice(const char *name, const char *s, const char *const *choices);

#endif
