/* playlists.h — playlists.bin: each playlist's pid and its tracks (CSR).
 *
 * Container: binfile.h with magic "DCUEPLS\0", version 1, dtype mixed,
 *   dims[0] = P  playlists          dims[1] = NNZ  playlist-track entries
 *   dims[2] = N  tracks (data rows of tracks.tsv)
 * Payload, little-endian, in this order:
 *   u32 pid[P]            strictly increasing
 *   u64 offsets[P + 1]    offsets[0] = 0, non-decreasing, offsets[P] = NNZ
 *   u32 track[NNZ]        row index into tracks.tsv (0 = first data row)
 * Playlist p's tracks are track[offsets[p] .. offsets[p+1]), in playlist
 * order (pos), duplicates removed. */
#ifndef DCUE_PLAYLISTS_H
#define DCUE_PLAYLISTS_H

#include <stddef.h>
#include <stdint.h>

#define PLAYLISTS_MAGIC "DCUEPLS"
#define PLAYLISTS_VERSION 1

struct playlists {
	uint64_t n_playlists;  /* P */
	uint64_t n_entries;    /* NNZ */
	uint64_t n_tracks;     /* N */
	uint32_t *pid;         /* [P] */
	uint64_t *offsets;     /* [P+1] */
	uint32_t *track;       /* [NNZ] */
};

/* -1 with errno set on failure (nothing is left at path). */
int playlists_write(const char *path, const struct playlists *pl);
/* The same, left complete but uncommitted in *w (for atomic_commit_set). */
struct bin_writer;
int playlists_write_sealed(struct bin_writer *w, const char *path, const struct playlists *pl);
/* -1 with a message naming the file in err on failure; validates all of
 * the invariants above. */
int playlists_read(const char *path, struct playlists *pl, char *err, size_t errcap);
void playlists_free(struct playlists *pl);
/* The row of want among pid[0..n) (strictly increasing, as pl.pid), or -1:
 * a binary search. */
long playlists_row(const uint32_t *pid, size_t n, uint32_t want);

#endif
