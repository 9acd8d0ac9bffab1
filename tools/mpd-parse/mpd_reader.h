/* mpd_reader.h — streaming reader of Million Playlist Dataset slices.
 *
 * A slice is {"info": {...}, "playlists": [ {playlist}, ... ]}.  The file
 * (plain or gzip, detected by content) is fed in 1 MiB pieces to yajl's
 * event parser, so memory does not grow with the file: only the playlist
 * being read is held.  Every playlist is validated (required fields present
 * with the right JSON types, track URIs well-formed) and handed to a
 * callback.  The strings in a struct mpd_playlist stay valid only during
 * the callback. */
#ifndef MPD_READER_H
#define MPD_READER_H

#include <stddef.h>
#include <stdint.h>

struct mpd_track {
	const char *id;            /* 22 base62 chars + NUL (from track_uri) */
	const char *artist_id;     /* from artist_uri, NUL-terminated (may be any length) */
	const char *album_id;      /* from album_uri */
	const char *artist;        /* artist_name, as read (may hold control characters) */
	const char *name;          /* track_name, likewise */
	const char *album;         /* album_name, likewise */
	uint32_t duration_ms;
};

struct mpd_playlist {
	uint32_t pid;
	uint32_t n_tracks;         /* entries in tracks (duplicates kept) */
	const struct mpd_track *tracks;   /* [n_tracks], in file order */
};

/* Return 0 to go on; non-zero stops the reader, which then returns -1
 * (the callback has written its own message into err). */
typedef int (*mpd_playlist_fn)(void *ctx, const struct mpd_playlist *pl, char *err,
                               size_t errcap);

/* Reads one slice.  0 on success; -1 with a message naming the file (and
 * line/column/byte offset, or pid and track position) in err. */
int mpd_read_file(const char *path, mpd_playlist_fn fn, void *ctx, char *err, size_t errcap);

/* The same, on two threads for large plain files: playlists from the
 * second half of the file go to fn2/ctx2 (called on another thread).  On
 * return *used_second tells whether ctx2's playlists are part of the result
 * (1) or must be discarded (0: everything went to fn/ctx).  Playlists and
 * errors are exactly those of mpd_read_file(). */
int mpd_read_file_split(const char *path, mpd_playlist_fn fn, void *ctx, mpd_playlist_fn fn2,
                        void *ctx2, int *used_second, char *err, size_t errcap);

#endif
