/* challenge.h — the RecSys Challenge 2018 challenge set and its ten
 * categories; MPD-format JSON files read whole (truth.json, small slices).
 *
 * challenge_set.json (the official file, or one made by mpd-parse
 * make-challenge) is {"date", "version", "name", "description",
 * "playlists": [...]}; each playlist has pid, num_tracks, num_samples,
 * num_holdouts, tracks (the seeds: MPD track objects with pos) and a name
 * except in the no-title categories.  The file holds no category field:
 * the category follows from the number of seeds, whether there is a name
 * and whether the seeds are the first positions (challenge_category()).
 *
 * Files are small (10,000 playlists officially), so they are read with
 * jansson as a whole.  Strings in the structs point into the JSON tree,
 * which lives until challenge_free()/mpdjson_free(). */
#ifndef DCUE_CHALLENGE_H
#define DCUE_CHALLENGE_H

#include <stddef.h>
#include <stdint.h>

#define CH_CATEGORIES 10

/* mpd-parse --challenge's OUTDIR/challenge.tsv (docs/formats.md): one line
 * per challenge playlist, in the challenge file's order. */
#define CHALLENGE_TSV_HEADER \
	"# pid\tcategory\tnum_samples\tnum_holdouts\tnum_tracks\ttitled\tname"

struct ch_category {
	uint32_t seeds;        /* tracks given */
	int titled;            /* the name is given */
	int random;            /* seeds drawn at random positions, else the first ones */
};
/* [1..10] in the official order; [0] unused. */
extern const struct ch_category ch_categories[CH_CATEGORIES + 1];

struct ch_track {
	char id[23];           /* from track_uri, 22 base62 chars + NUL */
	const char *track_uri, *artist_uri, *album_uri;
	const char *artist, *name, *album;   /* artist_name, track_name, album_name */
	uint32_t duration_ms;
	uint32_t pos;
};

struct ch_playlist {
	uint32_t pid;
	int titled;            /* has a "name" */
	const char *name;      /* "" when untitled */
	uint32_t num_tracks, num_samples, num_holdouts;
	int category;          /* 1..10 */
	size_t n_tracks;       /* = num_samples */
	struct ch_track *tracks;   /* [n_tracks], in file order */
};

struct challenge {
	size_t n;
	struct ch_playlist *pl;    /* [n], in file order */
	uint32_t *by_pid;          /* [n] indices of pl sorted by pid */
	void *root;                /* the JSON tree (json_t *) */
};

/* Reads and validates a challenge file: the shape above, every field with
 * its JSON type, pids unique and < 2^32-1, num_holdouts = num_tracks -
 * num_samples, len(tracks) = num_samples, positions distinct and below
 * num_tracks, a category for every playlist.  -1 with a message naming the
 * file (and the pid) in err. */
int challenge_read(const char *path, struct challenge *c, char *err, size_t errcap);
void challenge_free(struct challenge *c);
/* The playlist with this pid, or NULL. */
const struct ch_playlist *challenge_find(const struct challenge *c, uint32_t pid);
/* Category 1..10 of a playlist with these seeds (positions pos[n]), or 0
 * when it fits none. */
int challenge_category(uint32_t n_seeds, int titled, const uint32_t *pos);

/* An MPD-format file ({"info"?, "playlists": [...]}, e.g. truth.json),
 * plain or gzip, read whole: every playlist's pid, name and tracks (in
 * file order, pos = index).  Only the fields used here are checked. */
struct mpdjson {
	size_t n;
	struct ch_playlist *pl;    /* titled = has a name; category 0 */
	uint32_t *by_pid;
	void *root;
};
int mpdjson_read(const char *path, struct mpdjson *m, char *err, size_t errcap);
void mpdjson_free(struct mpdjson *m);
const struct ch_playlist *mpdjson_find(const struct mpdjson *m, uint32_t pid);

/* Reads a whole file, plain or gzip (zlib), into a malloc'ed buffer with a
 * NUL after the *len bytes.  NULL with err set on failure. */
char *read_whole_file(const char *path, size_t *len, char *err, size_t errcap);

#endif
