/* decode.c — see decode.h. */
#define _GNU_SOURCE
#include "decode.h"
#include "msg.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define HUGE_ALIGN ((size_t)2 << 20)

/* Room for at least `more` bytes after the `have` already stored.  Buffers
 * are 2 MiB aligned and asked to be huge pages: first touches of fresh pages
 * are expensive here, so they are kept and reused from file to file. */
static void reserve(struct wav2mel_samples *s, size_t have, size_t more)
{
	size_t cap = s->cap ? s->cap : (size_t)3 << 20;   /* 30 s at 22050 Hz fits */
	void *p;

	if (have + more <= s->cap)
		return;
	while (cap < have + more)
		cap *= 2;
	if (posix_memalign(&p, HUGE_ALIGN, cap) != 0)
		diex(EXIT_WORK, "out of memory (%zu bytes of samples)", cap);
	madvise(p, cap, MADV_HUGEPAGE);      /* a hint; failure is harmless */
	if (have)
		memcpy(p, s->x, have);
	free(s->x);
	s->x = p;
	s->cap = cap;
}

void wav2mel_samples_free(struct wav2mel_samples *s)
{
	free(s->x);
	memset(s, 0, sizeof *s);
}

/* argv for one group; strings owned by the returned block (freed by caller
 * through free_argv). */
static char **build_argv(const struct wav2mel_decoder *d, const char *const *paths, size_t n,
                         int uses_stdin)
{
	size_t cap = 8 + 3 * n + 12 * n, k = 0;
	char **argv = xcalloc(cap, sizeof *argv);
	char buf[64];

	argv[k++] = xstrdup(d->ffmpeg);
	argv[k++] = xstrdup("-hide_banner");
	if (!uses_stdin)
		argv[k++] = xstrdup("-nostdin");
	argv[k++] = xstrdup("-v");
	argv[k++] = xstrdup("error");
	for (size_t i = 0; i < n; i++) {
		argv[k++] = xstrdup("-i");
		if (strcmp(paths[i], "-") == 0) {
			argv[k++] = xstrdup("pipe:0");
		} else {
			char *a = xmalloc(strlen(paths[i]) + 6);
			strcpy(a, "file:");
			strcat(a, paths[i]);
			argv[k++] = a;
		}
	}
	for (size_t i = 0; i < n; i++) {
		snprintf(buf, sizeof buf, "%zu:a:0", i);
		argv[k++] = xstrdup("-map");
		argv[k++] = xstrdup(buf);
		argv[k++] = xstrdup("-ac");
		argv[k++] = xstrdup("1");
		/* rematrix_maxval=1 makes the downmix the channels' mean, as
		 * librosa.to_mono (ffmpeg's default sums stereo at 1/sqrt 2) */
		argv[k++] = xstrdup("-af");
		argv[k++] = xstrdup(d->soxr ? "aresample=resampler=soxr:rematrix_maxval=1"
		                            : "aresample=rematrix_maxval=1");
		snprintf(buf, sizeof buf, "%d", d->sample_rate);
		argv[k++] = xstrdup("-ar");
		argv[k++] = xstrdup(buf);
		argv[k++] = xstrdup("-f");
		argv[k++] = xstrdup("f32le");
		snprintf(buf, sizeof buf, "pipe:%zu", 3 + i);
		argv[k++] = xstrdup(buf);
	}
	argv[k] = NULL;
	return argv;
}

static void free_argv(char **argv)
{
	for (size_t i = 0; argv[i]; i++)
		free(argv[i]);
	free(argv);
}

/* Appends ffmpeg's stderr to err, keeping the beginning (the first error is
 * the one that names the input). */
static void keep_stderr(char *err, size_t errcap, size_t *used, const char *buf, size_t n)
{
	if (errcap == 0 || *used + 1 >= errcap)
		return;
	size_t room = errcap - 1 - *used;
	if (n > room)
		n = room;
	memcpy(err + *used, buf, n);
	*used += n;
	err[*used] = '\0';
}

/* Bigger pipes let ffmpeg run ahead while this side is busy, and halve the
 * wake-ups; best effort (the per-user pipe quota may refuse). */
#define PIPE_BYTES (256 << 10)
#define NAP_BELOW (64u << 10)

static int spawn_group(char **argv, size_t n, int uses_stdin, int *rd, pid_t *pid, char *err,
                       size_t errcap)
{
	posix_spawn_file_actions_t fa;
	int *wr = xmalloc((n + 1) * sizeof *wr);
	int rc, ok = 0;
	size_t made = 0;

	/* Write ends are moved above every target descriptor (3 .. 3+n-1) so no
	 * dup2 in the child can clobber one still to be duplicated. */
	for (; made <= n; made++) {
		int p[2], hi;
		if (pipe2(p, O_CLOEXEC) != 0)
			break;
		hi = fcntl(p[1], F_DUPFD_CLOEXEC, (int)(n + 4));
		close(p[1]);
		if (hi < 0) {
			close(p[0]);
			break;
		}
		if (made < n)
			fcntl(p[0], F_SETPIPE_SZ, PIPE_BYTES);
		rd[made] = p[0];
		wr[made] = hi;
	}
	if (made <= n) {
		snprintf(err, errcap, "cannot create pipes for ffmpeg: %s", strerror(errno));
		goto out;
	}
	posix_spawn_file_actions_init(&fa);
	if (!uses_stdin)
		posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, wr[n], 2);
	for (size_t i = 0; i < n; i++)
		posix_spawn_file_actions_adddup2(&fa, wr[i], (int)(3 + i));
	rc = posix_spawnp(pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		snprintf(err, errcap, "cannot run %s: %s", argv[0], strerror(rc));
		ok = -2;
		goto out;
	}
	ok = 1;
out:
	for (size_t i = 0; i < made; i++) {
		close(wr[i]);
		if (ok != 1) {
			close(rd[i]);
			rd[i] = -1;
		}
	}
	free(wr);
	return ok == 1 ? 0 : ok == -2 ? -2 : -1;
}

void wav2mel_decode_drain(struct wav2mel_proc *p)
{
	size_t n = p->n;
	struct pollfd *pfd = xmalloc((n + 1) * sizeof *pfd);
	size_t *who = xmalloc((n + 1) * sizeof *who);
	char ebuf[4096];

	for (;;) {
		size_t np = 0;
		for (size_t i = 0; i <= n; i++)
			if (p->rd[i] >= 0) {
				pfd[np].fd = p->rd[i];
				pfd[np].events = POLLIN;
				who[np++] = i;
			}
		if (np == 0)
			break;
		if (poll(pfd, np, -1) < 0) {
			if (errno == EINTR)
				continue;
			snprintf(p->err, p->errcap, "poll: %s", strerror(errno));
			p->failed = 1;
			kill(p->pid, SIGTERM);
			break;
		}
		size_t round = 0;
		for (size_t j = 0; j < np; j++) {
			size_t i = who[j];
			ssize_t got;
			if (!(pfd[j].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (i == n) {
				got = read(p->rd[i], ebuf, sizeof ebuf);
				if (got > 0)
					keep_stderr(p->err, p->errcap, &p->err_used, ebuf, (size_t)got);
			} else {
				reserve(&p->out[i], p->bytes[i], PIPE_BYTES);
				got = read(p->rd[i], (char *)p->out[i].x + p->bytes[i],
				           p->out[i].cap - p->bytes[i]);
				if (got > 0) {
					p->bytes[i] += (size_t)got;
					round += (size_t)got;
					if (p->on_data)
						p->on_data(p->on_data_arg, i, p->out[i].x,
						           p->bytes[i] / sizeof(float));
				}
			}
			if (got == 0 || (got < 0 && errno != EINTR && errno != EAGAIN)) {
				close(p->rd[i]);
				p->rd[i] = -1;
			}
		}
		/* ffmpeg writes one small packet at a time (~2-5 KB); waking for
		 * each costs both sides a context switch.  When little has come,
		 * let the (256 KiB) pipes fill for a millisecond: a third less
		 * system time and faster batches on two busy cores. */
		if (round > 0 && round < NAP_BELOW) {
			struct timespec nap = {0, 1000000};
			nanosleep(&nap, NULL);
		}
	}
	free(pfd);
	free(who);
}

static void proc_free(struct wav2mel_proc *p)
{
	for (size_t i = 0; i <= p->n; i++)
		if (p->rd[i] >= 0)
			close(p->rd[i]);
	free(p->rd);
	free(p->bytes);
	p->rd = NULL;
	p->bytes = NULL;
}

int wav2mel_decode_start(struct wav2mel_proc *p, const struct wav2mel_decoder *d,
                         const char *const *paths, size_t n, struct wav2mel_samples *out,
                         char *err, size_t errcap)
{
	int uses_stdin = 0;
	pid_t pid;

	memset(p, 0, sizeof *p);
	if (errcap)
		err[0] = '\0';
	if (n == 0 || n > DECODE_MAX_GROUP) {
		snprintf(err, errcap, "group of %zu inputs (1 to %d)", n, DECODE_MAX_GROUP);
		return DECODE_FAILED;
	}
	for (size_t i = 0; i < n; i++) {
		uses_stdin |= strcmp(paths[i], "-") == 0;
		out[i].n = 0;
	}
	p->n = n;
	p->out = out;
	p->err = err;
	p->errcap = errcap;
	p->rd = xmalloc((n + 1) * sizeof *p->rd);
	p->bytes = xcalloc(n, sizeof *p->bytes);
	for (size_t i = 0; i <= n; i++)
		p->rd[i] = -1;
	char **argv = build_argv(d, paths, n, uses_stdin);
	int sp = spawn_group(argv, n, uses_stdin, p->rd, &pid, err, errcap);
	free_argv(argv);
	if (sp != 0) {
		proc_free(p);
		return sp == -2 ? DECODE_NO_FFMPEG : DECODE_FAILED;
	}
	p->pid = (int)pid;
	return DECODE_OK;
}

int wav2mel_decode_finish(struct wav2mel_proc *p)
{
	char *err = p->err;
	size_t errcap = p->errcap, err_used = p->err_used;
	int status, rc = p->failed ? DECODE_FAILED : DECODE_OK;

	while (waitpid((pid_t)p->pid, &status, 0) < 0)
		if (errno != EINTR) {
			snprintf(err, errcap, "waitpid: %s", strerror(errno));
			proc_free(p);
			return DECODE_FAILED;
		}
	if (rc == DECODE_OK && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		/* strip the trailing newline of ffmpeg's message */
		while (err_used > 0 && (err[err_used - 1] == '\n' || err[err_used - 1] == '\r'))
			err[--err_used] = '\0';
		char why[64];
		if (WIFEXITED(status))
			snprintf(why, sizeof why, "ffmpeg exited with status %d", WEXITSTATUS(status));
		else
			snprintf(why, sizeof why, "ffmpeg killed by signal %d",
			         WIFSIGNALED(status) ? WTERMSIG(status) : 0);
		if (err_used == 0)
			snprintf(err, errcap, "%s", why);
		else if (err_used + strlen(why) + 3 < errcap) {
			memmove(err + strlen(why) + 2, err, err_used + 1);
			memcpy(err, why, strlen(why));
			memcpy(err + strlen(why), ": ", 2);
		}
		rc = DECODE_FAILED;
	}
	for (size_t i = 0; rc == DECODE_OK && i < p->n; i++) {
		if (p->bytes[i] % sizeof(float) != 0) {
			snprintf(err, errcap, "ffmpeg wrote %zu bytes for output %zu, not whole samples",
			         p->bytes[i], i);
			rc = DECODE_FAILED;
		}
		p->out[i].n = p->bytes[i] / sizeof(float);
	}
	proc_free(p);
	return rc;
}

int wav2mel_decode(const struct wav2mel_decoder *d, const char *const *paths, size_t n,
                   struct wav2mel_samples *out, char *err, size_t errcap)
{
	struct wav2mel_proc p;
	int rc = wav2mel_decode_start(&p, d, paths, n, out, err, errcap);

	if (rc != DECODE_OK)
		return rc;
	wav2mel_decode_drain(&p);
	return wav2mel_decode_finish(&p);
}
