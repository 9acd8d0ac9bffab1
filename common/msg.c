/* msg.c — see msg.h. */
#define _POSIX_C_SOURCE 200809L
#include "msg.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *msg_prog = "dcue";

void msg_init(const char *argv0)
{
	const char *slash;

	/* Past a file-size limit (ulimit -f) a write fails with EFBIG and is
	 * reported, naming the file, instead of killing the process unannounced. */
	signal(SIGXFSZ, SIG_IGN);
	if (argv0 == NULL || *argv0 == '\0')
		return;
	slash = strrchr(argv0, '/');
	msg_prog = slash ? slash + 1 : argv0;
}

static void vmsg(int with_errno, int saved, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", msg_prog);
	vfprintf(stderr, fmt, ap);
	if (with_errno)
		fprintf(stderr, ": %s", strerror(saved));
	fputc('\n', stderr);
}

void vwarnx(const char *fmt, va_list ap)
{
	vmsg(0, 0, fmt, ap);
}

void warn(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vmsg(1, saved, fmt, ap);
	va_end(ap);
	errno = saved;
}

void warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(0, 0, fmt, ap);
	va_end(ap);
}

void die(int status, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vmsg(1, saved, fmt, ap);
	va_end(ap);
	exit(status);
}

void diex(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(0, 0, fmt, ap);
	va_end(ap);
	exit(status);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		diex(EXIT_WORK, "out of memory allocating %zu bytes", n);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		diex(EXIT_WORK, "out of memory allocating %zu x %zu bytes", n, size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		diex(EXIT_WORK, "out of memory allocating %zu bytes", n);
	return q;
}

char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xmalloc(n), s, n);
}
