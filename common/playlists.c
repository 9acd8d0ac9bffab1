/* playlists.c — see playlists.h. */
#define _POSIX_C_SOURCE 200809L
#include "playlists.h"
#include "binfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "dcue's binary files are little-endian; add byte swapping for this host"
#endif

int playlists_write(const char *path, const struct playlists *pl)
{
	struct bin_writer w;

	if (playlists_write_sealed(&w, path, pl) != 0)
		return -1;
	return atomic_commit(&w.af);
}

int playlists_write_sealed(struct bin_writer *wp, const char *path, const struct playlists *pl)
{
	struct bin_writer w;
	struct bin_header h;
	uint64_t P = pl->n_playlists, NNZ = pl->n_entries;

	memset(&h, 0, sizeof h);
	memcpy(h.magic, PLAYLISTS_MAGIC, sizeof PLAYLISTS_MAGIC);
	h.version = PLAYLISTS_VERSION;
	h.dtype = BIN_MIXED;
	h.dims[0] = P;
	h.dims[1] = NNZ;
	h.dims[2] = pl->n_tracks;
	h.payload_bytes = 4 * P + 8 * (P + 1) + 4 * NNZ;
	if (bin_create(&w, path, &h, NULL) != 0)
		return -1;
	if (bin_write(&w, pl->pid, 4 * P) != 0 ||
	    bin_write(&w, pl->offsets, 8 * (P + 1)) != 0 ||
	    bin_write(&w, pl->track, 4 * NNZ) != 0) {
		int saved = errno;
		bin_abort(&w);
		errno = saved;
		return -1;
	}
	if (bin_seal(&w) != 0)
		return -1;
	*wp = w;
	return 0;
}

static int bad(char *err, size_t cap, const char *path, const char *what)
{
	snprintf(err, cap, "%s: %s", path, what);
	return -1;
}

int playlists_read(const char *path, struct playlists *pl, char *err, size_t errcap)
{
	struct bin_reader r;
	uint64_t P, NNZ;

	memset(pl, 0, sizeof *pl);
	if (bin_open(&r, path, PLAYLISTS_MAGIC, PLAYLISTS_VERSION, NULL, 0) != 0)
		goto fail_reader;
	P = r.h.dims[0];
	NNZ = r.h.dims[1];
	if (P > UINT32_MAX || NNZ > ((uint64_t)1 << 40) ||
	    r.h.payload_bytes != 4 * P + 8 * (P + 1) + 4 * NNZ) {
		bin_close(&r);
		return bad(err, errcap, path, "dimensions do not match the payload size");
	}
	pl->n_playlists = P;
	pl->n_entries = NNZ;
	pl->n_tracks = r.h.dims[2];
	pl->pid = malloc(4 * P + 1);
	pl->offsets = malloc(8 * (P + 1));
	pl->track = malloc(4 * NNZ + 1);
	if (pl->pid == NULL || pl->offsets == NULL || pl->track == NULL) {
		bin_close(&r);
		playlists_free(pl);
		return bad(err, errcap, path, "out of memory");
	}
	if (bin_read(&r, pl->pid, 4 * P) != 0 || bin_read(&r, pl->offsets, 8 * (P + 1)) != 0 ||
	    bin_read(&r, pl->track, 4 * NNZ) != 0) {
		playlists_free(pl);
		goto fail_reader;
	}
	bin_close(&r);
	if (pl->offsets[0] != 0 || pl->offsets[P] != NNZ)
		goto invalid;
	for (uint64_t p = 0; p < P; p++) {
		if (pl->offsets[p + 1] < pl->offsets[p] || (p > 0 && pl->pid[p] <= pl->pid[p - 1]))
			goto invalid;
	}
	for (uint64_t i = 0; i < NNZ; i++)
		if (pl->track[i] >= pl->n_tracks)
			goto invalid;
	return 0;
invalid:
	playlists_free(pl);
	return bad(err, errcap, path, "inconsistent contents (offsets, pid order or track index)");
fail_reader:
	snprintf(err, errcap, "%s", r.err);
	bin_close(&r);
	return -1;
}

void playlists_free(struct playlists *pl)
{
	free(pl->pid);
	free(pl->offsets);
	free(pl->track);
	memset(pl, 0, sizeof *pl);
}

long playlists_row(const uint32_t *pid, size_t n, uint32_t want)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (pid[mid] < want)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && pid[lo] == want ? (long)lo : -1;
}
