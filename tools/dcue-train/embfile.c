/* embfile.c — see embfile.h. */
#define _POSIX_C_SOURCE 200809L
#include "embfile.h"
#include "binfile.h"
#include "msg.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int emb_write(const char *path, const struct embeddings *e)
{
	struct bin_writer w;

	if (emb_write_sealed(&w, path, e) != 0)
		return -1;
	return atomic_commit(&w.af);
}

int emb_create(struct bin_writer *w, const char *path, uint32_t kind, size_t n, size_t E)
{
	struct bin_header h;

	memset(&h, 0, sizeof h);
	memcpy(h.magic, EMB_MAGIC, sizeof EMB_MAGIC);
	h.version = EMB_VERSION;
	h.dtype = BIN_MIXED;
	h.dims[0] = n;
	h.dims[1] = E;
	h.dims[2] = kind;
	h.payload_bytes = n * sizeof(uint32_t) + n * E * sizeof(float);
	return bin_create(w, path, &h, NULL);
}

int emb_write_sealed(struct bin_writer *out, const char *path, const struct embeddings *e)
{
	struct bin_writer w;

	if (emb_create(&w, path, e->kind, e->n, e->E) != 0)
		return -1;
	if (bin_write(&w, e->key, e->n * sizeof(uint32_t)) != 0 ||
	    bin_write(&w, e->vec, e->n * e->E * sizeof(float)) != 0) {
		int saved = errno;
		bin_abort(&w);
		errno = saved;
		return -1;
	}
	if (bin_seal(&w) != 0)
		return -1;
	*out = w;
	return 0;
}

int emb_read(const char *path, struct embeddings *e, char *err, size_t errcap)
{
	struct bin_reader r;

	memset(e, 0, sizeof *e);
	if (bin_open(&r, path, EMB_MAGIC, EMB_VERSION, NULL, 0) != 0)
		goto fail;
	e->n = r.h.dims[0];
	e->E = r.h.dims[1];
	e->kind = (uint32_t)r.h.dims[2];
	if (e->E == 0 || e->E > 65536 || e->n > ((uint64_t)1 << 32) || e->kind > EMB_PLAYLISTS ||
	    r.h.payload_bytes != e->n * 4 + e->n * e->E * 4) {
		snprintf(r.err, sizeof r.err, "%s: dimensions %zu x %zu do not match the payload",
		         path, e->n, e->E);
		goto fail;
	}
	e->key = xmalloc(e->n * sizeof(uint32_t) + 1);
	e->vec = xmalloc(e->n * e->E * sizeof(float) + 1);
	if (bin_read(&r, e->key, e->n * sizeof(uint32_t)) != 0 ||
	    bin_read(&r, e->vec, e->n * e->E * sizeof(float)) != 0) {
		emb_free(e);
		goto fail;
	}
	/* a NaN vector would make every score with it NaN (and win or lose
	 * every comparison silently) */
	for (size_t i = 0; i < e->n * e->E; i++)
		if (!isfinite(e->vec[i])) {
			snprintf(r.err, sizeof r.err, "%s: row %zu, value %zu is not finite", path,
			         i / e->E, i % e->E);
			emb_free(e);
			goto fail;
		}
	bin_close(&r);
	return 0;
fail:
	snprintf(err, errcap, "%s", r.err);
	bin_close(&r);
	return -1;
}

void emb_free(struct embeddings *e)
{
	free(e->key);
	free(e->vec);
	memset(e, 0, sizeof *e);
}
