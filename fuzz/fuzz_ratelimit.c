/* fuzz_ratelimit.c — deezer-fetch's rate-limit state file
 * (tools/deezer-fetch/ratelimit.c): ratelimit_load at a fixed "now", then
 * a reservation and its completion on the loaded ring, as
 * ratelimit_acquire and ratelimit_done do (without the lock and the
 * sleeps).  The budget's N is taken from the file when it is in range, so
 * inputs get past the size check; the window is 5 s (the seeds'). */
#include "fuzz.h"
#include "ratelimit.h"

#include <limits.h>

static char dir[64];
static char file[sizeof dir + 32];

static void cleanup(void)
{
	unlink(file);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_quiet();
	/* the state file is rewritten per input: memory, not disk */
	snprintf(dir, sizeof dir, "%s/dcue-fuzz-rl.XXXXXX",
	         access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		abort();
	}
	snprintf(file, sizeof file, "%s/ratelimit.state", dir);
	atexit(cleanup);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const int64_t now = (int64_t)1800000000 * 1000000000;   /* 2027 */
	struct ratelimit rl;
	uint32_t n = 1;
	FILE *fp = fopen(file, "wb");

	if (fp == NULL || fwrite(data, 1, size, fp) != size || fclose(fp) != 0)
		abort();
	if (size >= 12)
		memcpy(&n, data + 8, 4);
	if (n < 1 || n > RATELIMIT_MAX_N)
		n = 1;
	if (ratelimit_open(&rl, dir, n, 5.0, 60.0) != 0)
		abort();
	long head = ratelimit_load(&rl, now);
	if (head >= 0) {
		uint32_t h = (uint32_t)head, lane = h;
		if (h >= n)
			abort();
		int64_t slot = ratelimit_reserve(rl.ring, n, &h, now, rl.window_ns, rl.max_flight_ns);
		if (slot >= 0) {
			if (slot < now || h >= n)
				abort();
			if (!ratelimit_complete(rl.ring, lane, slot, now + 1000))
				abort();
		}
	}
	ratelimit_close(&rl);
	return 0;
}
