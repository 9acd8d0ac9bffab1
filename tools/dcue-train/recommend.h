/* recommend.h — what recommend.c, similar.c and challenge.c share: the
 * catalogue of tracks with their vectors and popularity, track lookups,
 * embedding one .mel, reading seed lists, and playlist titles. */
#ifndef DCUE_RECOMMEND_H
#define DCUE_RECOMMEND_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dcue.h"
#include "embfile.h"
#include "playlists.h"
#include "tracks.h"

struct catalogue {
	struct tracks tr;
	struct playlists pl;
	struct embeddings emb;    /* track vectors [emb.n][E], key = row of tracks.tsv */
	float *inv;               /* [emb.n] 1 / |vector| */
	int32_t *vec_of;          /* [tr.n] the track's index in emb, -1 = no vector */
	uint32_t *pop;            /* [tr.n] playlists of playlists.bin holding the track */
	uint32_t *by_pop;         /* [tr.n] rows, most popular first (ties: lower row) */
	uint32_t *by_id;          /* [tr.n] rows sorted by track id (catalogue_index_ids) */
};

/* tracks.tsv, with lists playlists.bin (at least the model's playlists
 * when m is not NULL) and popularity, and the track vectors: from
 * --embeddings, else embedded from --mels with m.  Dies with a message
 * naming the file. */
void catalogue_load(struct catalogue *c, struct options *o, const struct model *m, int lists);
/* by_id, for many lookups. */
void catalogue_index_ids(struct catalogue *c);
void catalogue_free(struct catalogue *c);
/* The row of track id (22 base62 characters) in tracks.tsv, or -1
 * (a binary search with by_id, else a scan). */
long catalogue_find(const struct catalogue *c, const char *id);
/* The model's row of pid (pids are strictly increasing in playlists.bin),
 * or -1. */
long catalogue_playlist_row(const struct catalogue *c, const struct model *m, uint32_t pid);
/* One line of a track list: rank, id, score, artist, title. */
void print_track(FILE *fp, const struct catalogue *c, size_t rank, uint32_t row, double score);
#define TRACK_LIST_HEADER "# rank\ttrack_id\tscore\tartist\ttitle\n"

/* v [E]: the model's vector of the .mel at path, as embed computes it (the
 * mean over consecutive --mel-length segments).  Dies naming the file. */
void embed_mel_file(const struct model *m, const char *path, float *v);

/* Track rows from path ('-': stdin), one track id or spotify:track: URI a
 * line; blank lines and '#' comments skipped, repeats dropped.  A line that
 * is no id, or an id not in tracks.tsv, is an error naming the line. */
uint32_t *read_seeds(const struct catalogue *c, const char *path, size_t *n);

/* In place: lower case, every ASCII character but letters and digits a
 * space, runs of spaces one, trimmed (the challenge's normalize_name). */
char *title_normalize(char *s);

#endif
