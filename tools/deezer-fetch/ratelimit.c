/* ratelimit.c — see ratelimit.h. */
#define _GNU_SOURCE
#include "ratelimit.h"
#include "msg.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

static const char magic[8] = { 'D', 'Z', 'R', 'A', 'T', 'E', '0', '2' };
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
                          int64_t window_ns, int64_t max_flight_ns)
{
	int64_t done = ring[*head], slot;

	if (done < 0) {                       /* in flight since -done */
		if (now < -done + max_flight_ns)
			return -1;
		done = -done + max_flight_ns;     /* its process died */
	}
	slot = done + window_ns;
	if (slot < now)
		slot = now;
	ring[*head] = -slot;
	*head = (*head + 1) % n;
	return slot;
}

int ratelimit_complete(int64_t *ring, uint32_t idx, int64_t slot, int64_t now)
{
	if (ring[idx] != -slot)
		return 0;
	ring[idx] = now > slot ? now : slot;
	return 1;
}

static size_t file_bytes(uint32_t n)
{
	return HEAD_BYTES + (size_t)n * 12 + 4;
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
	memcpy(rl->pid, buf + HEAD_BYTES + (size_t)n * 8, (size_t)n * 4);
	for (uint32_t i = 0; i < n; i++)
		if (rl->ring[i] == INT64_MIN ||
		    llabs(rl->ring[i]) > now + 64 * rl->window_ns + 60 * (int64_t)1000000000)
			return -2;      /* the clock went back: distrust the file */
	return head;
}

long ratelimit_load(struct ratelimit *rl, int64_t now)
{
	return load(rl, rl->buf, now);
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
	memcpy(buf + HEAD_BYTES + (size_t)rl->n * 8, rl->pid, (size_t)rl->n * 4);
	crc = (uint32_t)crc32(0L, buf, (uInt)(want - 4));
	memcpy(buf + want - 4, &crc, 4);
	/* One pwrite of the whole record: a kill -9 cannot tear it (the
	 * syscall completes first); a crash that does is caught by the CRC. */
	if (pwrite(rl->fd, buf, want, 0) != (ssize_t)want)
		return -1;
	return ftruncate(rl->fd, (off_t)want);
}

int ratelimit_open(struct ratelimit *rl, const char *state_dir, uint32_t n, double seconds,
                   double max_flight)
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
	rl->max_flight_ns = (int64_t)llround(max_flight * 1e9);
	rl->ring = xcalloc(n, sizeof *rl->ring);
	rl->pid = xcalloc(n, sizeof *rl->pid);
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

/* Loads the ring under the lock; a fresh or distrusted file is reset.
 * Returns head. */
static uint32_t load_or_reset(struct ratelimit *rl, int64_t now)
{
	long head = load(rl, rl->buf, now);

	if (head == -1) {
		memset(rl->ring, 0, (size_t)rl->n * 8);
		memset(rl->pid, 0, (size_t)rl->n * 4);
		head = 0;
	} else if (head == -2) {
		for (uint32_t i = 0; i < rl->n; i++)
			rl->ring[i] = now;
		memset(rl->pid, 0, (size_t)rl->n * 4);
		head = 0;
	}
	/* A lane held by a process that no longer exists (killed in flight)
	 * is free from now on, not after max_flight. */
	if (rl->ring[head] < 0 && rl->pid[head] > 0 && rl->pid[head] != getpid() &&
	    kill((pid_t)rl->pid[head], 0) != 0 && errno == ESRCH)
		rl->ring[head] = now;
	return (uint32_t)head;
}

static void sleep_ns(int64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000), (long)(ns % 1000000000) };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int ratelimit_acquire(struct ratelimit *rl)
{
	int64_t now, slot, start = realtime_ns();
	uint32_t head, lane;

	if (rl->n == 0) {
		rl->taken++;
		return 0;
	}
	if (rl->last_slot != 0 && ratelimit_done(rl) != 0)
		return -1;
	for (;;) {
		if (lock_fd(rl->fd, LOCK_EX) != 0)
			return -1;
		now = realtime_ns();
		head = load_or_reset(rl, now);
		lane = head;
		slot = ratelimit_reserve(rl->ring, rl->n, &head, now, rl->window_ns,
		                         rl->max_flight_ns);
		if (slot >= 0) {
			rl->pid[lane] = (int32_t)getpid();
			int rc = store(rl, rl->buf, head), saved = errno;
			lock_fd(rl->fd, LOCK_UN);
			if (rc != 0) {
				errno = saved;
				return -1;
			}
			break;
		}
		lock_fd(rl->fd, LOCK_UN);
		sleep_ns(2000000);     /* the lane's request is still in flight */
	}
	rl->last_index = lane;
	rl->last_slot = slot;
	rl->taken++;
	if (slot > now) {
		struct timespec ts = { (time_t)(slot / 1000000000), (long)(slot % 1000000000) };
		while (clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
	}
	rl->waited += (double)(realtime_ns() - start) * 1e-9;
	return 0;
}

int ratelimit_done(struct ratelimit *rl)
{
	int64_t now;
	long head;
	int rc = 0, saved;

	if (rl->n == 0 || rl->last_slot == 0)
		return 0;
	if (lock_fd(rl->fd, LOCK_EX) != 0)
		return -1;
	now = realtime_ns();
	/* A reset file, or one whose lane moved on, has nothing to record. */
	head = load(rl, rl->buf, now);
	if (head >= 0 && ratelimit_complete(rl->ring, rl->last_index, rl->last_slot, now))
		rc = store(rl, rl->buf, (uint32_t)head);
	saved = errno;
	lock_fd(rl->fd, LOCK_UN);
	rl->last_slot = 0;
	errno = saved;
	return rc;
}

void ratelimit_close(struct ratelimit *rl)
{
	if (rl->fd >= 0 && rl->last_slot != 0)
		ratelimit_done(rl);
	if (rl->fd >= 0)
		close(rl->fd);
	free(rl->path);
	free(rl->ring);
	free(rl->pid);
	free(rl->buf);
	memset(rl, 0, sizeof *rl);
	rl->fd = -1;
}
