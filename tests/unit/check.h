/* check.h — the unit tests' assertions.
 *
 * CHECK(cond) and friends count every check and print each failure with its
 * file and line; check_done() prints a summary and returns the exit status
 * (non-zero when any check failed), so main() ends with
 * `return check_done();`.  Header-only: each test is one program. */
#ifndef DCUE_CHECK_H
#define DCUE_CHECK_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int check_count, check_failed;

#define CHECK(cond) check_at((cond), #cond, __FILE__, __LINE__)
#define CHECK_EQ_INT(a, b) check_int((long long)(a), (long long)(b), #a " == " #b, __FILE__, __LINE__)
#define CHECK_EQ_STR(a, b) check_str((a), (b), #a " == " #b, __FILE__, __LINE__)
/* |a - b| <= atol + rtol * |b|, b being the reference. */
#define CHECK_CLOSE(a, b, atol, rtol) \
	check_close((double)(a), (double)(b), (atol), (rtol), #a " ~ " #b, __FILE__, __LINE__)

static inline int check_at(int ok, const char *what, const char *file, int line)
{
	check_count++;
	if (!ok) {
		check_failed++;
		fprintf(stderr, "%s:%d: check failed: %s\n", file, line, what);
	}
	return ok;
}

static inline int check_int(long long a, long long b, const char *what, const char *file, int line)
{
	check_count++;
	if (a != b) {
		check_failed++;
		fprintf(stderr, "%s:%d: check failed: %s (%lld != %lld)\n", file, line, what, a, b);
		return 0;
	}
	return 1;
}

static inline int check_str(const char *a, const char *b, const char *what, const char *file, int line)
{
	check_count++;
	if (a == NULL || b == NULL || strcmp(a, b) != 0) {
		check_failed++;
		fprintf(stderr, "%s:%d: check failed: %s (\"%s\" != \"%s\")\n", file, line, what,
		        a ? a : "(null)", b ? b : "(null)");
		return 0;
	}
	return 1;
}

static inline int check_close(double a, double b, double atol, double rtol, const char *what,
                              const char *file, int line)
{
	check_count++;
	if (!(fabs(a - b) <= atol + rtol * fabs(b))) {
		check_failed++;
		fprintf(stderr, "%s:%d: check failed: %s (%.9g vs reference %.9g, diff %.3g)\n", file,
		        line, what, a, b, fabs(a - b));
		return 0;
	}
	return 1;
}

static inline int check_done(void)
{
	printf("%d checks, %d failed\n", check_count, check_failed);
	return check_failed ? 1 : 0;
}

#endif
