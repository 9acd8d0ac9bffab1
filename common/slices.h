/* slices.h — which files an MPD path argument names: a slice file (or "-"
 * for standard input) is itself; a folder stands for its *.json and
 * *.json.gz files (hidden files skipped), sorted by name.  Used by every
 * tool that takes MPD slices (mpd-parse, dcue-train score and --titles). */
#ifndef DCUE_SLICES_H
#define DCUE_SLICES_H

#include <stddef.h>

/* A growing list of paths (each malloc'ed). */
struct slices {
	char **v;
	size_t n, cap;
};

/* Whether a folder entry's name is a slice: *.json or *.json.gz, not hidden. */
int slices_is_slice(const char *name);
/* Appends path (copied) to the list. */
void slices_add(struct slices *s, const char *path);
/* Appends the slices path names; dies (exit 1) naming the path when it
 * cannot be opened or is a folder without slices. */
void slices_collect(struct slices *s, const char *path);
void slices_free(struct slices *s);

#endif
