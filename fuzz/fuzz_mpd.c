/* fuzz_mpd.c — the MPD slice reader (tools/mpd-parse/mpd_reader.c):
 * mpd_read_file on the input (plain JSON, or gzip: detected by content),
 * every field of every playlist handed to the callback touched. */
#include "fuzz.h"
#include "mpd_reader.h"

static int on_playlist(void *ctx, const struct mpd_playlist *pl, char *err, size_t errcap)
{
	size_t *sum = ctx;

	(void)err, (void)errcap;
	for (uint32_t i = 0; i < pl->n_tracks; i++) {
		const struct mpd_track *t = &pl->tracks[i];
		if (strlen(t->id) != 22)
			abort();
		*sum += strlen(t->artist_id) + strlen(t->album_id) + strlen(t->artist) +
		        strlen(t->name) + strlen(t->album) + t->duration_ms;
	}
	*sum += pl->pid;
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_quiet();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[1024];
	size_t sum = 0;

	mpd_read_file(fuzz_file(0, data, size), on_playlist, &sum, err, sizeof err);
	if (strlen(err) >= sizeof err)
		abort();
	return sum == 1;
}
