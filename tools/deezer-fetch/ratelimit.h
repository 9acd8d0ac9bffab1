/* ratelimit.h — a request budget shared by every process using one state
 * folder: at most N requests in any window of W seconds, as the server
 * sees them.
 *
 * Think of N lanes, used in turn.  A request takes the next lane; it may
 * start once the lane's previous request has completed, and W' after that
 * completion (W' = W plus a 1 % margin, at least 10 ms):
 *     slot = max(now, done[lane] + W')
 * The server sees a request somewhere between its start and its
 * completion, so the requests of one lane reach it at least W' apart and
 * any window of W holds at most one per lane: at most N, whatever the
 * number of processes, their scheduling or the network's latency.
 *
 * The lanes are a ring in STATE/ratelimit.state, read and rewritten under
 * flock(2): entry > 0 is the completion time of the lane's last request,
 * entry < 0 is -slot of a request still in flight.  ratelimit_acquire takes
 * the lane at head under the lock, releases it and sleeps until the slot
 * (processes queue in order without polling); when the lane's previous
 * request is still in flight it polls every few milliseconds.
 * ratelimit_done records the completion.  A lane records the pid that took
 * it: a lane whose process no longer exists (kill -9 in flight) counts as
 * completed when that is noticed; one whose pid cannot be checked counts
 * as completed max_flight seconds after its slot.
 *
 * File: magic "DZRATE02", u32 n, u32 head, i64 window_ns, i64 ring[n]
 * (CLOCK_REALTIME ns), i32 pid[n], u32 crc32 of everything before it;
 * native byte order
 * (the file is local to one host, as the budget is per client address).  A
 * missing file starts empty; a torn, foreign or different-rate file, or
 * one with times far in the future (clock stepped back), restarts with
 * every lane completed "now", which waits one full window: safe. */
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
	int64_t max_flight_ns; /* an unfinished request counts as done this long after its slot */
	int64_t *ring;         /* [n] scratch copy of the file's ring */
	int32_t *pid;          /* [n] the process that took each lane */
	unsigned char *buf;    /* [file size + 1] the file's bytes, reused */
	uint64_t taken;        /* slots taken by this process */
	uint32_t last_index;   /* ring index of this process's request in flight */
	int64_t last_slot;     /* its slot, 0 when none is in flight */
	double waited;         /* seconds this process waited for slots */
};

/* "N/SECONDS" (e.g. "50/5") or "none".  0 on success (*n = 0 for none);
 * -1 when malformed or out of range (1 <= N <= RATELIMIT_MAX_N,
 * 0.001 <= SECONDS <= 86400). */
int ratelimit_parse(const char *s, uint32_t *n, double *seconds);

/* W plus the safety margin, in ns. */
int64_t ratelimit_window_ns(double seconds);

/* n == 0: no budget (acquire returns at once).  Creates state_dir's file.
 * max_flight: the longest a request can take (its total timeout, plus a
 * little).  0 on success; -1 with errno set (the caller names rl->path or
 * the folder). */
int ratelimit_open(struct ratelimit *rl, const char *state_dir, uint32_t n, double seconds,
                   double max_flight);
/* Blocks until this process may send one request.  0, or -1 with errno. */
int ratelimit_acquire(struct ratelimit *rl);
/* The request of the last acquire has completed, whatever its outcome (a
 * response, an error, a timeout).  0, or -1 with errno. */
int ratelimit_done(struct ratelimit *rl);
/* Calls ratelimit_done if a request is pending, closes the file. */
void ratelimit_close(struct ratelimit *rl);

/* Reads and validates the state file into rl->ring and rl->pid (no lock
 * taken: for tests and the fuzz harness).  Returns head, -1 for an empty
 * file, -2 for one that is unusable (torn, foreign, another rate, times
 * beyond now's horizon). */
long ratelimit_load(struct ratelimit *rl, int64_t now);

/* The pure core, for tests.  Takes the lane at *head: returns its slot
 * (>= now) and marks the lane in flight, or returns -1 and changes nothing
 * when the lane's previous request is still in flight (and younger than
 * max_flight_ns): try again later. */
int64_t ratelimit_reserve(int64_t *ring, uint32_t n, uint32_t *head, int64_t now,
                          int64_t window_ns, int64_t max_flight_ns);
/* Records that the request given slot on lane idx completed at now;
 * returns 1, or 0 when the lane no longer holds that request. */
int ratelimit_complete(int64_t *ring, uint32_t idx, int64_t slot, int64_t now);

#endif
