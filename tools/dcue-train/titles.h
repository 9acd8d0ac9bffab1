/* titles.h — title matching for playlists given by their title alone:
 * the training playlists' names (read from the MPD slices), normalised,
 * and the mean direction of the vectors of those with the same name. */
#ifndef DCUE_TITLES_H
#define DCUE_TITLES_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "playlists.h"

struct titles {
	size_t n;                 /* playlists with a name and a model row */
	char **norm;              /* [n] normalised names, sorted */
	uint32_t *row;            /* [n] their rows in the model, in the same order */
};

/* In place: ASCII letters lower-cased, every other ASCII character but
 * digits a space (bytes >= 0x80 kept: UTF-8 names stay whole), runs of
 * spaces one, trimmed — the challenge baseline's normalize_name. */
char *title_normalize(char *s);

/* Names of the playlists of path (an MPD slice, or a folder of *.json /
 * *.json.gz slices) that are among the model's rows of pl, except those
 * marked in skip [P] (may be NULL).  Dies naming the file. */
void titles_load(struct titles *t, const char *path, const struct playlists *pl, size_t P,
                 const uint8_t *skip);
void titles_free(struct titles *t);

/* u [E]: the sum of the unit vectors of the model's playlists whose
 * normalised name is title's; returns how many there were (0: u untouched). */
size_t titles_vector(const struct titles *t, const struct model *m, const char *title, float *u);

#endif
