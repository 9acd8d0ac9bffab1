/* batch.c — wav2mel --batch: id<TAB>path lines on stdin, in groups, to
 * lanes running in threads (see convert.h). */
#define _GNU_SOURCE
#include "convert.h"

#include "atomic.h"
#include "ids.h"
#include "msg.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* --- batch input: lines on stdin, read with a timeout ------------------- */

#ifndef BATCH_LINE_BUF           /* fuzz_batch_lines sets a small one */
#define BATCH_LINE_BUF (1 << 16)
#endif

struct line_reader {
	char buf[BATCH_LINE_BUF];
	size_t start, end;
	int eof;
	int skipping;             /* inside an over-long line: drop up to its '\n' */
	unsigned long lineno;
};

/* 1: a line in *line; 0: end of input; -1: nothing arrived within
 * timeout_ms (negative = wait forever); 2: line lr->lineno was longer than
 * the buffer and is being skipped (reported by the caller). */
static int next_line(struct line_reader *lr, int timeout_ms, char **line)
{
	for (;;) {
		if (lr->skipping) {
			char *nl = memchr(lr->buf, '\n', lr->end);
			if (nl != NULL) {
				lr->start = (size_t)(nl - lr->buf) + 1;
				lr->skipping = 0;
				continue;
			}
			lr->start = lr->end = 0;
			if (lr->eof)
				return 0;
		}
		char *nl = memchr(lr->buf + lr->start, '\n', lr->end - lr->start);
		if (nl != NULL || (lr->eof && lr->start < lr->end)) {
			char *s = lr->buf + lr->start;
			if (nl == NULL) {               /* last line without '\n' */
				nl = lr->buf + lr->end;
				lr->end++;              /* room kept by the read below */
			}
			*nl = '\0';
			lr->start = (size_t)(nl - lr->buf) + 1;
			lr->lineno++;
			*line = s;
			return 1;
		}
		if (lr->eof)
			return 0;
		memmove(lr->buf, lr->buf + lr->start, lr->end - lr->start);
		lr->end -= lr->start;
		lr->start = 0;
		if (lr->end + 1 >= sizeof lr->buf && !lr->skipping) {
			lr->skipping = 1;
			lr->lineno++;
			lr->start = lr->end = 0;
			return 2;
		}
		if (timeout_ms >= 0) {
			struct pollfd p = {.fd = 0, .events = POLLIN};
			int r = poll(&p, 1, timeout_ms);
			if (r == 0)
				return -1;
			if (r < 0 && errno != EINTR)
				die(EXIT_WORK, "stdin");
			if (r < 0)
				continue;
		}
		ssize_t got = read(0, lr->buf + lr->end, sizeof lr->buf - 1 - lr->end);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			die(EXIT_WORK, "stdin");
		if (got == 0)
			lr->eof = 1;
		lr->end += (size_t)(got > 0 ? got : 0);
	}
}

/* A job from "id<TAB>path[<TAB>...]"; NULL (reported) when the line is bad. */
static struct job *parse_line(char *line, unsigned long lineno, const char *outdir)
{
	char *tab = strchr(line, '\t'), *path, *end;
	struct job *job;
	char out[PATH_MAX];

	if (tab == NULL) {
		wav2mel_say("stdin:%lu: expected 'id<TAB>path', found no tab; line skipped", lineno);
		return NULL;
	}
	*tab = '\0';
	path = tab + 1;
	if ((end = strchr(path, '\t')) != NULL)
		*end = '\0';
	if (!name_is_safe(line)) {
		wav2mel_say("stdin:%lu: expected an id of 1-128 characters [0-9A-Za-z_.-] not "
		            "starting with '.', found '%.40s'; line skipped", lineno, line);
		return NULL;
	}
	if (*path == '\0' || strcmp(path, "-") == 0) {
		wav2mel_say("stdin:%lu: %s: expected an input path, found none; line skipped",
		            lineno, line);
		return NULL;
	}
	if (wav2mel_precheck(path) != 0)
		return NULL;
	path_join_id(out, sizeof out, outdir, line, ".mel");
	job = xmalloc(sizeof *job);
	job->id = xstrdup(line);
	job->in = xstrdup(path);
	job->out = xstrdup(out);
	return job;
}

void wav2mel_free_jobs(struct job **jobs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(jobs[i]->id);
		free(jobs[i]->in);
		free(jobs[i]->out);
		free(jobs[i]);
	}
}

/* Hands a group to the next free lane (waits while all are busy). */
static void enqueue(struct ctx *c, struct job **jobs, size_t k)
{
	pthread_mutex_lock(&c->mu);
	while (c->pending != NULL)
		pthread_cond_wait(&c->taken, &c->mu);
	c->pending = jobs;
	c->npending = k;
	pthread_cond_signal(&c->more);
	pthread_mutex_unlock(&c->mu);
}

static void *lane_main(void *arg)
{
	struct lane *L = arg;
	struct ctx *c = L->c;

	for (;;) {
		pthread_mutex_lock(&c->mu);
		while (c->pending == NULL && !c->closed)
			pthread_cond_wait(&c->more, &c->mu);
		struct job **jobs = c->pending;
		size_t k = c->npending;
		c->pending = NULL;
		pthread_cond_signal(&c->taken);
		pthread_mutex_unlock(&c->mu);
		if (jobs == NULL)
			return NULL;          /* closed and drained */
		wav2mel_run_jobs(L, jobs, k);
		wav2mel_free_jobs(jobs, k);
		free(jobs);
	}
}

void wav2mel_batch(struct ctx *c, struct lane *lanes, int nlanes, const char *outdir,
                  size_t group, int wait_ms)
{
	static struct line_reader lr;
	struct job **jobs = xmalloc(group * sizeof *jobs);
	size_t k = 0;
	char *line;
	int r;

	char probe[PATH_MAX];
	if (mkdir_p(outdir) != 0)
		die(EXIT_WORK, "%s: cannot create folder", outdir);
	/* a folder that takes no new file is found before any decoding */
	if (snprintf(probe, sizeof probe, "%s/probe.mel", outdir) >= (int)sizeof probe)
		diex(EXIT_WORK, "%s: path too long", outdir);
	if (atomic_probe(probe) != 0)
		die(EXIT_WORK, "%s: cannot write", outdir);
	for (int i = 0; i < nlanes; i++)
		if ((errno = pthread_create(&lanes[i].thread, NULL, lane_main, &lanes[i])) != 0)
			die(EXIT_WORK, "cannot start a thread");
	while ((r = next_line(&lr, k ? wait_ms : -1, &line)) != 0) {
		if (r == 2) {
			wav2mel_say("stdin:%lu: expected a line of at most %zu bytes, found a longer "
			            "one; line skipped", lr.lineno, sizeof lr.buf - 2);
			wav2mel_count(c, 0);
			continue;
		}
		if (r == 1) {
			line[strcspn(line, "\r")] = '\0';
			if (line[0] == '\0' || line[0] == '#')
				continue;
			struct job *job = parse_line(line, lr.lineno, outdir);
			if (job == NULL) {
				wav2mel_count(c, 0);
				continue;
			}
			jobs[k++] = job;
		}
		if (k == group || (r == -1 && k > 0)) {
			enqueue(c, jobs, k);
			jobs = xmalloc(group * sizeof *jobs);
			k = 0;
		}
	}
	if (k > 0)
		enqueue(c, jobs, k);
	else
		free(jobs);
	pthread_mutex_lock(&c->mu);
	c->closed = 1;
	pthread_cond_broadcast(&c->more);
	pthread_mutex_unlock(&c->mu);
	for (int i = 0; i < nlanes; i++)
		pthread_join(lanes[i].thread, NULL);
	if (c->failed)
		warnx("%lu converted, %lu failed", c->done, c->failed);
}
