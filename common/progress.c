/* progress.c — see progress.h. */
#define _POSIX_C_SOURCE 200809L
#include "progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

static int forced = -1;

void progress_force(int enabled)
{
	forced = enabled;
}

double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void progress_init(struct progress *p, const char *label, uint64_t total)
{
	p->label = label;
	p->total = total;
	p->enabled = forced >= 0 ? forced : isatty(STDERR_FILENO);
	p->start = now_seconds();
	p->last = 0;
}

void progress_update(struct progress *p, uint64_t done, const char *extra)
{
	enum { WIDTH = 30 };
	char bar[WIDTH + 1];
	double t, rate;

	if (!p->enabled)
		return;
	t = now_seconds();
	if (t - p->last < 0.1 && done != p->total)
		return;
	p->last = t;
	rate = t > p->start ? (double)done / (t - p->start) : 0;
	if (p->total > 0) {
		int fill = (int)((double)WIDTH * (double)done / (double)p->total);
		if (fill > WIDTH)
			fill = WIDTH;
		for (int i = 0; i < WIDTH; i++)
			bar[i] = i < fill ? '#' : '.';
		bar[WIDTH] = '\0';
		double eta = rate > 0 && done < p->total ? (double)(p->total - done) / rate : 0;
		fprintf(stderr, "\r%s [%s] %llu/%llu %.1f/s eta %.0fs %s\033[K", p->label, bar,
		        (unsigned long long)done, (unsigned long long)p->total, rate, eta,
		        extra ? extra : "");
	} else {
		fprintf(stderr, "\r%s %llu %.1f/s %s\033[K", p->label, (unsigned long long)done,
		        rate, extra ? extra : "");
	}
	fflush(stderr);
}

void progress_end(struct progress *p)
{
	if (p->enabled) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
}
