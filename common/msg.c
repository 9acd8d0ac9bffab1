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
	/* One write per message when it fits, so that the lines of processes
	 * sharing a stderr (mpirun's ranks, xargs -P workers) do not interleave
	 * (stderr is unbuffered: each call below would be its own write). */
	char buf[4096];
	size_t len = 0;
	va_list aq;
	int k = snprintf(buf, sizeof buf, "%s: ", msg_prog);

	va_copy(aq, ap);
	if (k >= 0 && (size_t)k < sizeof buf) {
		len = (size_t)k;
		k = vsnprintf(buf + len, sizeof buf - len, fmt, aq);
	}
	va_end(aq);
	if (k >= 0 && len + (size_t)k < sizeof buf) {
		len += (size_t)k;
		k = with_errno ? snprintf(buf + len, sizeof buf - len, ": %s\n", strerror(saved))
		               : snprintf(buf + len, sizeof buf - len, "\n");
		if (k >= 0 && len + (size_t)k < sizeof buf) {
			fputs(buf, stderr);
			return;
		}
	}
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
