/* progress.h — a one-line progress bar on stderr, drawn only when stderr is
 * a terminal (never in logs or pipes), at most ten times a second. */
#ifndef DCUE_PROGRESS_H
#define DCUE_PROGRESS_H

#include <stdint.h>

struct progress {
	const char *label;
	uint64_t total;        /* 0 when unknown: a counter, no bar */
	int enabled;
	double start, last;    /* seconds, monotonic */
};

void progress_init(struct progress *p, const char *label, uint64_t total);
/* extra: a short status appended after the bar (may be NULL). */
void progress_update(struct progress *p, uint64_t done, const char *extra);
/* Clears the line; the caller prints its own summary. */
void progress_end(struct progress *p);
double now_seconds(void);

/* For tests: force drawing on (1) or off (0) regardless of isatty. */
void progress_force(int enabled);

#endif
