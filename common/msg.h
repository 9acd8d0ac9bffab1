/* msg.h — diagnostics on stderr, prefixed with the program's name.
 *
 * Every tool calls msg_init(argv[0]) first (it also ignores SIGXFSZ, so a
 * file-size limit is an error naming the file, not a silent death).  warn*() report and carry on;
 * die*() report and exit with the given status.  The plain forms append
 * ": strerror(errno)"; the x forms do not.  Nothing here writes to stdout. */
#ifndef DCUE_MSG_H
#define DCUE_MSG_H

#include <stdarg.h>
#include <stddef.h>

/* Exit statuses shared by every tool (see README, "Exit status"). */
enum { EXIT_OK = 0, EXIT_WORK = 1, EXIT_USAGE = 2 };

extern const char *msg_prog;   /* basename of argv[0] */

void msg_init(const char *argv0);
void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vwarnx(const char *fmt, va_list ap);
_Noreturn void die(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
_Noreturn void diex(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Checked allocation: dies with a message naming the size on failure. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

#endif
