/* ids.h — identifiers that end up in file names.
 *
 * A Spotify track id is exactly 22 base62 characters; dcue names every
 * per-track file after it (cache/<id>.mp3, mels/<id>.mel), so it is checked
 * before any path is built from it. */
#ifndef DCUE_IDS_H
#define DCUE_IDS_H

#include <stddef.h>

#define TRACK_ID_LEN 22

/* 1 when s is exactly 22 characters of [0-9A-Za-z]. */
int track_id_valid(const char *s);
/* 1 when s is a safe single file-name component: 1..128 chars of
 * [0-9A-Za-z_.-], not starting with '.'. */
int name_is_safe(const char *s);
/* "spotify:track:<id>" → pointer to <id> inside uri, or NULL if malformed. */
const char *track_id_from_uri(const char *uri);
/* snprintf(out, cap, "%s/%s%s", dir, id, ext); dies if it does not fit. */
void path_join_id(char *out, size_t cap, const char *dir, const char *id, const char *ext);

#endif
