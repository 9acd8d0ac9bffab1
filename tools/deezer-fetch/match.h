/* match.h — choosing the right Deezer track for a (artist, title) pair.
 *
 * Names are compared after normalisation: case folded, Latin accents
 * removed (é → e, ß → ss), "feat."/"ft."/"featuring" parts dropped (both
 * "Title (feat. X)" and "Artist feat. X"), '&' read as "and", apostrophes
 * removed, every other punctuation mark a word break, runs of spaces
 * collapsed.  Non-Latin letters are kept as they are (UTF-8).
 *
 * Queries: the strict query is Deezer's advanced syntax
 * `artist:"A" track:"T"` (just `track:"T"` when the artist is blank); since that syntax has no escape, double quotes and
 * backslashes inside a name become spaces (and control characters too).
 * The plain fallback is "A T" with the same cleaning.  URL encoding is done
 * by the HTTP layer (http_escape). */
#ifndef DEEZER_MATCH_H
#define DEEZER_MATCH_H

#include <jansson.h>
#include <stddef.h>

/* Writes the normalised form of in to out (always NUL-terminated, truncated
 * to cap - 1 bytes at a character boundary); returns its length. */
size_t match_normalise(const char *in, char *out, size_t cap);

/* 0 on success, -1 when the query does not fit in cap. */
int match_query_strict(char *out, size_t cap, const char *artist, const char *title);
int match_query_plain(char *out, size_t cap, const char *artist, const char *title);

/* How match_select chose. */
enum match_how { MATCH_NONE, MATCH_EXACT, MATCH_FIRST_WITH_PREVIEW };

/* data: the search response's "data" array.  Returns the index of the
 * chosen track: the first whose artist.name and title (or title_short)
 * equal artist and title after normalisation and whose preview is a
 * non-empty http(s) URL; else the first with such a preview; else -1.
 * *how says which (may be NULL). */
int match_select(json_t *data, const char *artist, const char *title, enum match_how *how);

/* 1 when url is an http:// or https:// URL without spaces or control
 * characters (what a preview URL must look like before it is fetched). */
int match_url_ok(const char *url);

#endif
