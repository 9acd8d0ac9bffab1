/* fuzz_submission.c — dcue-train score's reader of RecSys Challenge
 * submissions (tools/dcue-train/score_submission.c), another team's file
 * and so untrusted: plain or gzip CSV, '#' comments, a team_info line,
 * then pid,uri1,...,uri500 per challenge playlist.  The input is scored
 * against a fixed challenge of three playlists (categories 1, 2 and 4) and
 * its truth, below; the seed corpus holds submissions for it.  What the
 * reader accepts must have scored every playlist once, each metric in its
 * range. */
#include "fuzz.h"
#include "score_impl.h"

#include <math.h>

static const char challenge_json[] =
	"{\"playlists\":["
	"{\"pid\":10,\"name\":\"a\",\"num_tracks\":3,\"num_samples\":0,\"num_holdouts\":3,\"tracks\":["
	"]},"
	"{\"pid\":20,\"name\":\"b\",\"num_tracks\":4,\"num_samples\":1,\"num_holdouts\":3,\"tracks\":["
	"  {\"track_uri\":\"spotify:track:S1xxxxxxxxxxxxxxxxxxxx\",\"artist_uri\":\"spotify:artist:A1\",\"album_uri\":\"spotify:album:A1\",\"artist_name\":\"A1\",\"track_name\":\"S1\",\"album_name\":\"A1\",\"duration_ms\":1000,\"pos\":0}"
	"]},"
	"{\"pid\":30,\"num_tracks\":7,\"num_samples\":5,\"num_holdouts\":2,\"tracks\":["
	"  {\"track_uri\":\"spotify:track:S2xxxxxxxxxxxxxxxxxxxx\",\"artist_uri\":\"spotify:artist:A2\",\"album_uri\":\"spotify:album:A2\",\"artist_name\":\"A2\",\"track_name\":\"S2\",\"album_name\":\"A2\",\"duration_ms\":1000,\"pos\":0},"
	"  {\"track_uri\":\"spotify:track:S3xxxxxxxxxxxxxxxxxxxx\",\"artist_uri\":\"spotify:artist:A2\",\"album_uri\":\"spotify:album:A2\",\"artist_name\":\"A2\",\"track_name\":\"S3\",\"album_name\":\"A2\",\"duration_ms\":1000,\"pos\":1},"
	"  {\"track_uri\":\"spotify:track:S4xxxxxxxxxxxxxxxxxxxx\",\"artist_uri\":\"spotify:artist:A2\",\"album_uri\":\"spotify:album:A2\",\"artist_name\":\"A2\",\"track_name\":\"S4\",\"album_name\":\"A2\",\"duration_ms\":1000,\"pos\":2},"
	"  {\"track_uri\":\"spotify:track:S5xxxxxxxxxxxxxxxxxxxx\",\"artist_uri\":\"spotify:artist:A2\",\"album_uri\":\"spotify:album:A2\",\"artist_name\":\"A2\",\"track_name\":\"S5\",\"album_name\":\"A2\",\"duration_ms\":1000,\"pos\":3},"
	"  {\"track_uri\":\"spotify:track:S6xxxxxxxxxxxxxxxxxxxx\",\"artist_uri\":\"spotify:artist:A2\",\"album_uri\":\"spotify:album:A2\",\"artist_name\":\"A2\",\"track_name\":\"S6\",\"album_name\":\"A2\",\"duration_ms\":1000,\"pos\":4}"
	"]}"
	"]}";

static const char truth_json[] =
	"{\"playlists\":["
	"{\"pid\":10,\"name\":\"a\",\"tracks\":["
	"  {\"track_uri\":\"spotify:track:H1xxxxxxxxxxxxxxxxxxxx\",\"artist_uri\":\"spotify:artist:A3\"},"
	"  {\"track_uri\":\"spotify:track:H2xxxxxxxxxxxxxxxxxxxx\",\"artist_uri\":\"spotify:artist:A3\"},"
	"  {\"track_uri\":\"spotify:track:H3xxxxxxxxxxxxxxxxxxxx\",\"artist_uri\":\"spotify:artist:A3\"}"
	"]},"
	"{\"pid\":20,\"name\":\"b\",\"tracks\":["
	"  {\"track_uri\":\"spotify:track:S1xxxxxxxxxxxxxxxxxxxx\",\"artist_uri\":\"spotify:artist:A1\"},"
	"  {\"track_uri\":\"spotify:track:H4xxxxxxxxxxxxxxxxxxxx\",\"artist_uri\":\"spotify:artist:A3\"},"
	"  {\"track_uri\":\"spotify:track:H5xxxxxxxxxxxxxxxxxxxx\",\"artist_uri\":\"spotify:artist:A3\"},"
	"  {\"track_uri\":\"spotify:track:H6xxxxxxxxxxxxxxxxxxxx\",\"artist_uri\":\"spotify:artist:A3\"}"
	"]},"
	"{\"pid\":30,\"tracks\":["
	"  {\"track_uri\":\"spotify:track:S2xxxxxxxxxxxxxxxxxxxx\",\"artist_uri\":\"spotify:artist:A2\"},"
	"  {\"track_uri\":\"spotify:track:S3xxxxxxxxxxxxxxxxxxxx\",\"artist_uri\":\"spotify:artist:A2\"},"
	"  {\"track_uri\":\"spotify:track:S4xxxxxxxxxxxxxxxxxxxx\",\"artist_uri\":\"spotify:artist:A2\"},"
	"  {\"track_uri\":\"spotify:track:S5xxxxxxxxxxxxxxxxxxxx\",\"artist_uri\":\"spotify:artist:A2\"},"
	"  {\"track_uri\":\"spotify:track:S6xxxxxxxxxxxxxxxxxxxx\",\"artist_uri\":\"spotify:artist:A2\"},"
	"  {\"track_uri\":\"spotify:track:H7xxxxxxxxxxxxxxxxxxxx\",\"artist_uri\":\"spotify:artist:A4\"},"
	"  {\"track_uri\":\"spotify:track:H1xxxxxxxxxxxxxxxxxxxx\",\"artist_uri\":\"spotify:artist:A3\"}"
	"]}"
	"]}";

static struct scorer s;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[1024];
	const char *cpath, *tpath;

	(void)argc, (void)argv;
	fuzz_quiet();
	memset(&s, 0, sizeof s);
	cpath = fuzz_file(1, challenge_json, strlen(challenge_json));
	tpath = fuzz_file(2, truth_json, strlen(truth_json));
	if (challenge_read(cpath, &s.ch, err, sizeof err) != 0 ||
	    mpdjson_read(tpath, &s.truth, err, sizeof err) != 0) {
		fprintf(stderr, "fuzz_submission: the fixed challenge: %s\n", err);
		abort();
	}
	build_targets(&s, cpath, tpath);
	s.quiet = 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run r = { .model = "fuzz" };
	char err[1024] = "";

	r.v = calloc(s.ch.n + 1, sizeof *r.v);
	if (r.v == NULL)
		abort();
	if (read_submission(&s, &r, fuzz_file(0, data, size), err, sizeof err) == 0) {
		if (r.recommended != s.ch.n * SCORE_K || r.unknown_artists > r.recommended)
			abort();
		for (size_t i = 0; i < s.ch.n; i++)
			for (int lv = 0; lv < 2; lv++) {
				double rp = r.v[i][lv][M_RPREC], nd = r.v[i][lv][M_NDCG];
				double cl = r.v[i][lv][M_CLICKS];
				if (!(rp >= 0 && rp <= 1) || !(nd >= 0 && nd <= 1 + 1e-9) ||
				    !(cl >= 0 && cl <= 51) || cl != floor(cl))
					abort();
			}
	} else {
		if (err[0] == '\0')
			abort();
		fprintf(stderr, "%s\n", err);     /* shown under DCUE_FUZZ_VERBOSE */
	}
	free(r.v);
	return 0;
}
