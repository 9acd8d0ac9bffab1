/* ratelimit.h — a request budget shared by every process using one state
 * folder: at most N requests in any window of W seconds.
 *
 * The state is the times of the last N requests (a ring, oldest at head)
 * in STATE/ratelimit.state, read and rewritten under flock(2).  A request
 * may start at
 *     slot = max(now, ring[head] + W')
 * where ring[head] belongs to the N-th most recent request and W' is W plus
 * a safety margin (1 %, at least 10 ms).  The caller takes its slot under
 * the lock, releases it, and sleeps until the slot: processes queue in
 * order without polling.  When the request has completed, ratelimit_done()
 * moves its time from the slot to the completion time.  The server saw
 * the request at some moment between the two, so a request N places later
 * starts at least W' after the server saw this one, however long this one
 * waited in queues on the way: no window of W seconds at the server holds
 * more than N requests, whatever the number of processes or the latency.
 * (Requests still in flight when a later slot is computed count from their
 * slot; the margin covers that case, which needs a request slower than W.)
 *
 * File: magic "DZRATE01", u32 n, u32 head, i64 window_ns, i64 ring[n]
 * (CLOCK_REALTIME ns), u32 crc32 of everything before it; native byte order
 * (the file is local to one host, as the budget is per client address).  A
 * missing file starts empty; a torn, foreign or different-rate file, or
 * one with times far in the future (clock stepped back), restarts with
 * every slot "now", which waits one full window: safe, never over budget. */
#ifndef DEEZER_RATELIMIT_H
#define DEEZER_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

#define RATELIMIT_MAX_N 10000

struct ratelimit {
	int fd;                /* the state file; -1 when there is no budget */
	char *path;            /* STATE/ratelimit.state */
	uint32_t n;            /* requests per window */
	int64_t window_ns;     /* W', margin included */
	int64_t *ring;         /* [n] scratch copy of the file's ring */
	unsigned char *buf;    /* [file size + 1] the file's bytes, reused */
	uint64_t taken;        /* slots taken by this process */
	uint32_t last_index;   /* ring index of this process's last slot */
	int64_t last_slot;     /* its value, 0 when none is pending */
	double waited;         /* seconds this process slept for slots */
};

/* "N/SECONDS" (e.g. "50/5") or "none".  0 on success (*n = 0 for none);
 * -1 when malformed or out of range (1 <= N <= RATELIMIT_MAX_N,
 * 0.001 <= SECONDS <= 86400). */
int ratelimit_parse(const char *s, uint32_t *n, double *seconds);

/* W plus the safety margin, in ns. */
int64_t ratelimit_window_ns(double seconds);

/* n == 0: no budget (acquire returns at once).  Creates state_dir's file.
 * 0 on success; -1 with errno set (the caller names rl->path or the dir). */
int ratelimit_open(struct ratelimit *rl, const char *state_dir, uint32_t n, double seconds);
/* Blocks until this process may send one request.  0, or -1 with errno. */
int ratelimit_acquire(struct ratelimit *rl);
/* The request taken by the last acquire has completed (whatever its
 * outcome).  0, or -1 with errno. */
int ratelimit_done(struct ratelimit *rl);
void ratelimit_close(struct ratelimit *rl);

/* The pure core, for tests: takes the next slot at or after now in a ring
 * of n times whose oldest is at *head, records it, returns it. */
int64_t ratelimit_reserve(int64_t *ring, uint32_t n, uint32_t *head, int64_t now,
                          int64_t window_ns);

#endif
