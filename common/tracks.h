/* tracks.h — reading tracks.tsv, mpd-parse's list of unique tracks.
 *
 * Format: a first line starting with '#' naming the columns, then one line
 * per track, tab-separated, no escapes (fields never hold tabs or newlines):
 *   track_id  artist  title  album  duration_ms  count  name
 * track_id is 22 base62 characters; title is the search-cleaned title; count
 * is the number of playlists the track occurs in; name the original title.
 * Row r (0-based, header excluded) is track index r in playlists.bin. */
#ifndef DCUE_TRACKS_H
#define DCUE_TRACKS_H

#include <stddef.h>
#include <stdint.h>

#define TRACKS_HEADER "# track_id\tartist\ttitle\talbum\tduration_ms\tcount\tname"
#define TRACKS_NCOLS 7

struct tracks {
	size_t n;
	char (*id)[23];        /* [n] NUL-terminated */
	char **artist;         /* [n] pointers into pool */
	char **title;          /* [n] */
	char **album;          /* [n] */
	uint32_t *duration_ms; /* [n] */
	uint32_t *count;       /* [n] */
	char *pool;            /* the file's text */
};

/* -1 with a message naming the file and line in err on failure. */
int tracks_read(const char *path, struct tracks *t, char *err, size_t errcap);
void tracks_free(struct tracks *t);

#endif
