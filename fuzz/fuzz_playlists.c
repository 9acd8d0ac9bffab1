/* fuzz_playlists.c — the playlists.bin reader (common/playlists.c); a file
 * it accepts must satisfy every invariant of playlists.h, which this
 * harness walks.  Binary: with and without recomputed CRCs (fuzz.h). */
#include "fuzz.h"
#include "playlists.h"

static void run(const char *path)
{
	struct playlists pl;
	char err[512];

	if (playlists_read(path, &pl, err, sizeof err) != 0)
		return;
	if (pl.offsets[0] != 0 || pl.offsets[pl.n_playlists] != pl.n_entries)
		abort();
	for (uint64_t p = 0; p < pl.n_playlists; p++) {
		if (p > 0 && pl.pid[p] <= pl.pid[p - 1])
			abort();
		if (pl.offsets[p + 1] < pl.offsets[p])
			abort();
		for (uint64_t i = pl.offsets[p]; i < pl.offsets[p + 1]; i++)
			if (pl.track[i] >= pl.n_tracks)
				abort();
	}
	playlists_free(&pl);
}

FUZZ_BINARY_HARNESS(run)
