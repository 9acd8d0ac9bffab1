/* mpd_store.h — the playlists and unique tracks gathered from MPD slices,
 * and what mpd-parse makes of them.
 *
 * Slices may arrive in any order: playlists are kept with their pid and
 * sorted at the end, and each track's metadata is taken from the playlist
 * with the smallest pid that holds it, so the outputs depend only on the
 * set of playlists read, never on the order of the files.
 *
 * Memory: per unique track ~100 bytes (id, strings, table slot); per
 * playlist-track occurrence 4 bytes; per playlist ~24 bytes.  For the full
 * MPD (2.26 M tracks, 66.3 M occurrences, 1 M playlists) about 0.5 GB. */
#ifndef MPD_STORE_H
#define MPD_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "challenge.h"
#include "mpd_reader.h"
#include "strset.h"

struct track_meta {
	uint32_t first_pid;    /* smallest pid holding the track */
	uint32_t duration_ms;
	size_t artist, name, album;   /* offsets into the store's text arena */
};

struct mpd_store {
	uint32_t limit;        /* keep playlists with pid < limit (UINT32_MAX: all) */
	int want_uris;         /* also count distinct artists and albums (stats) */
	/* tracks, indexed in order of first insertion */
	struct strset ids;
	struct track_meta *meta;   /* [ids.n] */
	size_t meta_cap;
	char *text;
	size_t text_len, text_cap;
	struct strset artists, albums;
	/* playlists, in reading order */
	size_t n_playlists, cap_playlists;
	uint32_t *pid;         /* [n_playlists] */
	uint32_t *file;        /* [n_playlists] index into the caller's file list */
	uint64_t *start;       /* [n_playlists + 1] into entries */
	uint32_t *entries;     /* track indices, duplicates kept */
	uint64_t n_entries, cap_entries;
	uint32_t cur_file;
	/* --challenge: its playlists are in the store too; they are never
	 * dropped and their tracks never filtered by --min-count */
	const struct challenge *challenge;
};

void store_init(struct mpd_store *st, uint32_t limit, int want_uris);
void store_free(struct mpd_store *st);
/* mpd_read_file() callback. */
int store_add_playlist(void *ctx, const struct mpd_playlist *pl, char *err, size_t errcap);

/* Adds the challenge set's playlists (their seeds, whatever --limit) and
 * remembers it for store_finish() and store_write(); cur_file names the
 * challenge file in duplicate-pid messages. */
void store_add_challenge(struct mpd_store *st, const struct challenge *c);

/* Appends src's playlists (read after dst's) and tracks to dst. */
void store_merge(struct mpd_store *dst, const struct mpd_store *src);

/* The dataset after sorting by pid, removing duplicates inside playlists
 * and applying --min-count; tracks renumbered by first appearance in pid
 * order. */
struct dataset {
	uint64_t n_playlists;
	uint32_t *pid;         /* [P] */
	uint64_t *offsets;     /* [P+1] */
	uint32_t *track;       /* [NNZ] final track index */
	uint64_t n_entries;
	uint32_t n_tracks;
	uint32_t *store_track; /* [n_tracks] final index → store index */
	uint32_t *count;       /* [n_tracks] playlists holding the track */
	uint64_t raw_entries;  /* occurrences read, duplicates included */
	uint64_t dropped_tracks, dropped_playlists;
};

/* files: the names, for duplicate-pid messages.  -1 with err set. */
int store_finish(struct mpd_store *st, uint32_t min_count, const char *const *files,
                 struct dataset *ds, char *err, size_t errcap);
void dataset_free(struct dataset *ds);

/* Writes OUTDIR/tracks.tsv and OUTDIR/playlists.bin, and OUTDIR/challenge.tsv
 * when the store holds a challenge set (else removes a stale one); -1 with
 * err set. */
int store_write(const struct mpd_store *st, const struct dataset *ds, const char *outdir,
                char *err, size_t errcap);

/* The title as the reference searched for it: cut at the first '(' or
 * " - ", trimmed; the whole trimmed name when that leaves nothing.
 * Writes into out (cap bytes, truncating). */
void clean_title(const char *name, char *out, size_t cap);

#endif
