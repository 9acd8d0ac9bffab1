/* embfile.h — the DCUEEMB file: embeddings of tracks or playlists.
 *
 * Container: binfile.h, magic "DCUEEMB\0", version 1, dtype mixed,
 *   dims[0] = n rows, dims[1] = E, dims[2] = kind (0 tracks, 1 playlists)
 * Meta: none.
 * Payload: u32 key[n]      tracks: the row in tracks.tsv; playlists: the pid
 *          f32 vec[n][E]   the model's output vectors (not normalised;
 *                          scores are their cosine similarities) */
#ifndef DCUE_EMBFILE_H
#define DCUE_EMBFILE_H

#include <stddef.h>
#include <stdint.h>

#define EMB_MAGIC "DCUEEMB"
#define EMB_VERSION 1

enum emb_kind { EMB_TRACKS = 0, EMB_PLAYLISTS = 1 };

struct embeddings {
	uint32_t kind;
	size_t n, E;
	uint32_t *key;     /* [n] */
	float *vec;        /* [n][E] */
};

int emb_write(const char *path, const struct embeddings *e);
/* Opens a DCUEEMB file of n rows of width E for streaming: the caller
 * bin_write()s key[n] then vec[n][E], and seals or finishes it. */
struct bin_writer;
int emb_create(struct bin_writer *w, const char *path, uint32_t kind, size_t n, size_t E);
/* The same, complete but uncommitted in *w (for atomic_commit_set). */
struct bin_writer;
int emb_write_sealed(struct bin_writer *w, const char *path, const struct embeddings *e);
/* -1 with the reason (naming the file) in err. */
int emb_read(const char *path, struct embeddings *e, char *err, size_t errcap);
void emb_free(struct embeddings *e);

#endif
