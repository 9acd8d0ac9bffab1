/* fuzz_challenge_tsv.c — the reader of mpd-parse's challenge.tsv
 * (docs/formats.md), which dcue-train score --popularity uses to leave the
 * challenge playlists out (score_challenge_pids in
 * tools/dcue-train/score.c).  What it accepts: one pid below 2^32-1 for
 * every line that is not a '#' comment, in file order. */
#include "fuzz.h"
#include "score_impl.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_quiet();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t *pids;
	size_t n;
	char err[1024] = "";

	if (score_challenge_pids(fuzz_file(0, data, size), &pids, &n, err, sizeof err) != 0) {
		if (err[0] == '\0' || n != 0)
			abort();
		fprintf(stderr, "%s\n", err);     /* shown under DCUE_FUZZ_VERBOSE */
		return 0;
	}
	/* walked again here: each line not starting with '#' gave its leading
	 * digits as the next pid */
	size_t k = 0;
	for (size_t i = 0; i < size;) {
		size_t end = i;
		while (end < size && data[end] != '\n')
			end++;
		if (data[i] != '#') {
			uint64_t v = 0;
			for (size_t j = i; j < end && data[j] >= '0' && data[j] <= '9'; j++)
				v = v * 10 + (data[j] - '0');
			if (k >= n || pids[k] != v || v >= UINT32_MAX)
				abort();
			k++;
		}
		i = end + 1;
	}
	if (k != n)
		abort();
	free(pids);
	return 0;
}
