/* data.h — the training data: mpd-parse's playlists and tracks, the .mel
 * files' headers (payloads stay on disk: crops are read on demand through
 * the page cache), the seeded split, and sample assembly.
 *
 * Thread-safety: after data_load, nothing here writes to the dataset;
 * data_crop and data_fill_batch may run in several threads at once (each
 * with its own rng and output buffers): a crop is open/pread/close on its
 * own file descriptor.
 *
 * Split (by track, from the seed): the tracks that have a .mel are
 * shuffled and cut train/valid/test (default 70/10/20); then a seeded
 * heldout_pct of the (playlist, train track) interactions is held out of
 * training for the warm evaluation.  Every playlist entry gets a kind. */
#ifndef DCUE_DATA_H
#define DCUE_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "playlists.h"
#include "rng.h"
#include "tracks.h"

enum track_split { SPLIT_NONE = 0, SPLIT_TRAIN = 1, SPLIT_VALID = 2, SPLIT_TEST = 3 };
/* kinds of playlist entries */
enum entry_kind { ENTRY_NOMEL = 0, ENTRY_TRAIN = 1, ENTRY_HELDOUT = 2, ENTRY_VALID = 3,
                  ENTRY_TEST = 4 };

struct data_options {
	const char *mpd_dir, *mels_dir;
	int mel_bins;             /* M expected in every .mel */
	int skip_bad;             /* warn and drop bad .mel files instead of failing */
	int check_payload;        /* stream every payload at load: CRC, finite f32 */
	uint32_t limit;           /* first playlists only, 0 = all */
	uint32_t train_pct, valid_pct, heldout_pct;
	uint64_t seed;
	float mel_min, mel_max, mel_mean, mel_std;
	int quiet;
};

struct dataset {
	struct tracks tr;
	struct playlists pl;      /* limited to the first `limit` playlists */
	size_t n_tracks;          /* N */
	size_t n_mel;             /* tracks with a usable .mel */
	size_t n_missing, n_bad;  /* without a .mel; bad ones skipped */
	/* mels: track i's payload is mels_dir/<id>.mel, frames[i] rows of M
	 * values in dtype[i]; value v → a[i]*v + b[i] is the model's input */
	char *mels_dir;
	size_t mel_bytes;         /* the payloads' total size on disk */
	uint32_t *frames;         /* [N], 0 = no mel */
	uint8_t *dtype;           /* [N] BIN_U8 or BIN_F32 */
	float *a, *b;             /* [N] */
	int M;
	uint8_t *split;           /* [N] enum track_split */
	uint8_t *kind;            /* [NNZ] enum entry_kind */
	uint32_t *sorted;         /* [NNZ] each playlist's tracks sorted, for lookups */
	uint32_t *train_tracks, *valid_tracks, *test_tracks;
	size_t n_train, n_valid, n_test;
	uint32_t *pop;            /* [N] training interactions per track */
	/* samples: (playlist, track) pairs */
	uint32_t (*train_pairs)[2], (*valid_pairs)[2];
	size_t n_train_pairs, n_valid_pairs;
	uint32_t split_crc;
};

/* Loads everything or dies with a message naming the file. */
void data_load(struct dataset *d, const struct data_options *o);
void data_free(struct dataset *d);

/* 1 when track t is in playlist p. */
int data_in_playlist(const struct dataset *d, uint32_t p, uint32_t t);
/* A uniformly drawn track of pool[0..n) not in playlist p. */
uint32_t data_negative(const struct dataset *d, struct rng *r, uint32_t p, const uint32_t *pool,
                       size_t n);
/* Writes the model input for track t, frames start.. (looped), into
 * dst [T][M] (no pad rows). */
void data_crop(const struct dataset *d, uint32_t t, uint64_t start, int T, float *dst);
/* Track t's .mel opened for reading (dies naming it); the caller closes
 * it.  data_read_frames: frames f..f+n in the stored dtype (M values per
 * frame, 1 or 4 bytes each) into dst; dies naming the file on a short read. */
int data_open_mel(const struct dataset *d, uint32_t t);
void data_read_frames(const struct dataset *d, uint32_t t, int fd, uint64_t f, uint64_t n,
                      void *dst);
/* A random crop start for track t. */
uint64_t data_random_start(const struct dataset *d, struct rng *r, uint32_t t, int T);

/* Fills ws->x[0] and ws->pidx for B samples: pairs[order[i]] as positives,
 * N negatives each from pool.  Deterministic given r. */
void data_fill_batch(const struct dataset *d, struct workspace *ws, const struct model *m,
                     struct rng *r, const uint32_t (*pairs)[2], const uint32_t *idx, int B,
                     const uint32_t *pool, size_t npool);

#endif
