/* ratelimit.c — see ratelimit.h. */
#define _GNU_SOURCE
#include "ratelimit.h"
#include "msg.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

static const char magic[8] = { 'D', 'Z', 'R', 'A', 'T', 'E', '0', '1' };
enum { HEAD_BYTES = 8 + 4 + 4 + 8 };

int ratelimit_parse(const char *s, uint32_t *n, double *seconds)
{
	char *end;
	long long v;
	double w;

	if (strcmp(s, "none") == 0) {
		*n = 0;
		*seconds = 0;
		return 0;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end != '/' || v < 1 || v > RATELIMIT_MAX_N)
		return -1;
	s = end + 1;
	w = strtod(s, &end);
	if (end == s || *end != '\0' || !(w >= 0.001 && w <= 86400))
		return -1;
	*n = (uint32_t)v;
	*seconds = w;
	return 0;
}

int64_t ratelimit_window_ns(double seconds)
{
	double margin = seconds * 0.01;

	if (margin < 0.01)
		margin = 0.01;
	return (int64_t)llround((seconds + margin) * 1e9);
}

static int64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t ratelimit_reserve(int64_t *ring, uint32_t n, uint32_t *head, int64_t now,
                          int64_t window_ns)
{
	int64_t slot = ring[*head] + window_ns;

	if (slot < now)
		slot = now;
	ring[*head] = slot;
	*head = (*head + 1) % n;
	return slot;
}

static size_t file_bytes(uint32_t n)
{
	return HEAD_BYTES + (size_t)n * 8 + 4;
}

/* Reads and validates the state into rl->ring; returns head, or -1 when the
 * file is empty (fresh) and -2 when it is unusable. */
static long load(struct ratelimit *rl, unsigned char *buf, int64_t now)
{
	size_t want = file_bytes(rl->n);
	ssize_t got = pread(rl->fd, buf, want + 1, 0);
	uint32_t n, head, crc;
	int64_t window;

	if (got == 0)
		return -1;
	if (got != (ssize_t)want || memcmp(buf, magic, 8) != 0)
		return -2;
	memcpy(&n, buf + 8, 4);
	memcpy(&head, buf + 12, 4);
	memcpy(&window, buf + 16, 8);
	memcpy(&crc, buf + want - 4, 4);
	if (n != rl->n || window != rl->window_ns || head >= n ||
	    crc != (uint32_t)crc32(0L, buf, (uInt)(want - 4)))
		return -2;
	memcpy(rl->ring, buf + HEAD_BYTES, (size_t)n * 8);
	for (uint32_t i = 0; i < n; i++)
		if (rl->ring[i] > now + 64 * rl->window_ns + 60 * (int64_t)1000000000)
			return -2;      /* the clock went back: distrust the file */
	return head;
}

static int store(struct ratelimit *rl, unsigned char *buf, uint32_t head)
{
	size_t want = file_bytes(rl->n);
	uint32_t crc;

	memcpy(buf, magic, 8);
	memcpy(buf + 8, &rl->n, 4);
	memcpy(buf + 12, &head, 4);
	memcpy(buf + 16, &rl->window_ns, 8);
	memcpy(buf + HEAD_BYTES, rl->ring, (size_t)rl->n * 8);
	crc = (uint32_t)crc32(0L, buf, (uInt)(want - 4));
	memcpy(buf + want - 4, &crc, 4);
	/* One pwrite of the whole record: a kill -9 cannot tear it (the
	 * syscall completes first); a crash that does is caught by the CRC. */
	if (pwrite(rl->fd, buf, want, 0) != (ssize_t)want)
		return -1;
	return ftruncate(rl->fd, (off_t)want);
}

int ratelimit_open(struct ratelimit *rl, const char *state_dir, uint32_t n, double seconds)
{
	size_t len;

	memset(rl, 0, sizeof *rl);
	rl->fd = -1;
	rl->n = n;
	if (n == 0)
		return 0;
	len = strlen(state_dir) + sizeof "/ratelimit.state";
	rl->path = xmalloc(len);
	snprintf(rl->path, len, "%s/ratelimit.state", state_dir);
	rl->window_ns = ratelimit_window_ns(seconds);
	rl->ring = xcalloc(n, sizeof *rl->ring);
	rl->buf = xmalloc(file_bytes(n) + 1);
	rl->fd = open(rl->path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	return rl->fd < 0 ? -1 : 0;
}

static int lock_fd(int fd, int op)
{
	while (flock(fd, op) != 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

int ratelimit_acquire(struct ratelimit *rl)
{
	unsigned char *buf = rl->buf;
	int64_t now, slot;
	long head;
	uint32_t h;
	int rc = 0, saved = 0;

	if (rl->n == 0) {
		rl->taken++;
		return 0;
	}
	if (lock_fd(rl->fd, LOCK_EX) != 0)
		return -1;
	now = realtime_ns();
	head = load(rl, buf, now);
	if (head == -1) {
		memset(rl->ring, 0, (size_t)rl->n * 8);
		head = 0;
	} else if (head == -2) {
		for (uint32_t i = 0; i < rl->n; i++)
			rl->ring[i] = now;
		head = 0;
	}
	h = (uint32_t)head;
	rl->last_index = h;
	slot = ratelimit_reserve(rl->ring, rl->n, &h, now, rl->window_ns);
	rl->last_slot = slot;
	if (store(rl, buf, h) != 0) {
		rc = -1;
		saved = errno;
	}
	lock_fd(rl->fd, LOCK_UN);
	if (rc != 0) {
		errno = saved;
		return -1;
	}
	rl->taken++;
	if (slot > now) {
		struct timespec ts = { (time_t)(slot / 1000000000), (long)(slot % 1000000000) };
		while (clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
		rl->waited += (double)(slot - now) * 1e-9;
	}
	return 0;
}

int ratelimit_done(struct ratelimit *rl)
{
	unsigned char *buf = rl->buf;
	int64_t now;
	long head;
	int rc = 0;

	if (rl->n == 0 || rl->last_slot == 0)
		return 0;
	if (lock_fd(rl->fd, LOCK_EX) != 0)
		return -1;
	now = realtime_ns();
	head = load(rl, buf, now);
	/* Only when the entry is still ours: after a reset or N newer slots
	 * there is nothing to correct. */
	if (head >= 0 && rl->ring[rl->last_index] == rl->last_slot && now > rl->last_slot) {
		rl->ring[rl->last_index] = now;
		rc = store(rl, buf, (uint32_t)head);
	}
	int saved = errno;
	lock_fd(rl->fd, LOCK_UN);
	rl->last_slot = 0;
	errno = saved;
	return rc;
}

void ratelimit_close(struct ratelimit *rl)
{
	if (rl->fd >= 0)
		close(rl->fd);
	free(rl->path);
	free(rl->ring);
	free(rl->buf);
	memset(rl, 0, sizeof *rl);
	rl->fd = -1;
}
