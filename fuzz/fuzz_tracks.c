/* fuzz_tracks.c — the tracks.tsv reader (common/tracks.c): tracks_read,
 * then every field of every row touched. */
#include "fuzz.h"
#include "tracks.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_quiet();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tracks t;
	char err[512];
	size_t sum = 0;

	if (tracks_read(fuzz_file(0, data, size), &t, err, sizeof err) != 0)
		return 0;
	for (size_t i = 0; i < t.n; i++) {
		if (strlen(t.id[i]) != 22)
			abort();
		sum += strlen(t.artist[i]) + strlen(t.title[i]) + strlen(t.album[i]);
		sum += t.duration_ms[i] + t.count[i];
	}
	tracks_free(&t);
	return sum == 1;   /* keeps the loop from being optimised away */
}
