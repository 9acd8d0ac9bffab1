/* embed.c — `dcue-train embed`, and the embedding passes eval.c and
 * recommend.c share.  Under mpirun each rank embeds a contiguous share of
 * the tracks and playlists and the shares are summed (the others' rows are
 * 0), so every rank ends with the whole table. */
#define _POSIX_C_SOURCE 200809L
#include "atomic.h"
#include "binfile.h"
#include "dcue.h"
#include "dist.h"
#include "embfile.h"
#include "layers.h"
#include "msg.h"
#include "progress.h"

#include <cblas.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void embed_tracks(const struct model *m, const struct dataset *d, int batch, float *out,
                  int quiet)
{
	const struct conv_shape *c = &m->conv[0];
	int T = c->T, E = (int)m->cfg.embedding;
	size_t seq = (size_t)c->S * c->Ci, pad = (size_t)conv_pad_left(c->k) * c->Ci;
	struct workspace ws;
	struct progress pg;
	uint32_t *tr = xmalloc((size_t)batch * sizeof(uint32_t));
	float *w = xmalloc((size_t)batch * sizeof(float));
	int nb = 0;

	size_t t0 = d->n_tracks * (size_t)dist.rank / (size_t)dist.size;
	size_t t1 = d->n_tracks * (size_t)(dist.rank + 1) / (size_t)dist.size;
	workspace_init(&ws, m, batch, 1);
	/* one share of each batch per BLAS thread, each with single-threaded
	 * GEMMs (model.h), the BLAS setting restored at the end */
	int blas_threads = openblas_get_num_threads();
	if (blas_threads > 1) {
		openblas_set_num_threads(1);
		workspace_threads(&ws, blas_threads);
	}
	memset(out, 0, d->n_tracks * (size_t)E * sizeof(float));
	progress_init(&pg, "embedding", t1 - t0);
	if (quiet)
		pg.enabled = 0;
	for (size_t t = t0; t <= t1; t++) {
		size_t nseg = t < t1 && d->frames[t] > 0
		            ? (d->frames[t] >= (uint32_t)T ? d->frames[t] / (uint32_t)T : 1) : 0;
		for (size_t s = 0; s <= nseg; s++) {
			/* flush when full, or at the very end */
			if (nb == batch || (t == t1 && nb > 0)) {
				model_tracks_forward(m, &ws, nb);
				for (int i = 0; i < nb; i++)
					for (int e = 0; e < E; e++)
						out[(size_t)tr[i] * E + e] += w[i] * ws.v[(size_t)i * E + e];
				nb = 0;
			}
			if (s == nseg)
				break;
			data_crop(d, (uint32_t)t, s * (uint64_t)T, T, ws.x[0] + (size_t)nb * seq + pad);
			tr[nb] = (uint32_t)t;
			w[nb++] = 1.0f / (float)nseg;
		}
		progress_update(&pg, t - t0, NULL);
	}
	progress_end(&pg);
	workspace_free(&ws);
	if (blas_threads > 1)
		openblas_set_num_threads(blas_threads);
	free(tr);
	free(w);
	dist_sum_floats(out, d->n_tracks * (size_t)E);
}

void embed_playlists(const struct model *m, struct workspace *ws, size_t p0, size_t n, int batch,
                     float *out)
{
	size_t E = m->cfg.embedding, nb = (n + (size_t)batch - 1) / (size_t)batch;
	/* whole batches per rank: the batches are a single pass's, and so are
	 * the floats (a GEMM's rounding can depend on the rows beside) */
	size_t q0 = p0 + nb * (size_t)dist.rank / (size_t)dist.size * (size_t)batch;
	size_t q1 = p0 + nb * (size_t)(dist.rank + 1) / (size_t)dist.size * (size_t)batch;
	q0 = q0 < p0 + n ? q0 : p0 + n;
	q1 = q1 < p0 + n ? q1 : p0 + n;

	memset(out, 0, n * E * sizeof(float));
	for (size_t q = q0; q < q1; q += (size_t)batch) {
		int b = (int)(q1 - q < (size_t)batch ? q1 - q : (size_t)batch);
		for (int i = 0; i < b; i++)
			ws->pidx[i] = (int)(q + (size_t)i);
		model_playlists_forward(m, ws, b);
		memcpy(out + (q - p0) * E, ws->u, (size_t)b * E * sizeof(float));
	}
	dist_sum_floats(out, n * E);
}

/* The playlist table [P][E] streamed into *w (opened by emb_create): a
 * block of rows at a time, so memory does not grow with P beyond the
 * model's own table.  Rank 0 writes; every rank computes its share. */
enum { PL_EMB_BLOCK = 4096 };

static int write_playlist_table(struct bin_writer *w, const struct model *m, const uint32_t *pid,
                                int batch)
{
	size_t P = m->cfg.n_playlists, E = m->cfg.embedding;
	/* a whole number of batches, so they fall where a single pass puts them */
	size_t blk = ((PL_EMB_BLOCK + (size_t)batch - 1) / (size_t)batch) * (size_t)batch;
	float *buf = xmalloc(blk * E * sizeof(float));
	struct workspace ws;
	int rc = 0;

	if (dist.rank == 0)
		rc = bin_write(w, pid, P * sizeof(uint32_t));
	workspace_init(&ws, m, 1, batch);
	for (size_t p0 = 0; p0 < P && rc == 0; p0 += blk) {
		size_t n = P - p0 < blk ? P - p0 : blk;
		embed_playlists(m, &ws, p0, n, batch, buf);
		if (dist.rank == 0)
			rc = bin_write(w, buf, n * E * sizeof(float));
	}
	workspace_free(&ws);
	free(buf);
	return rc;
}

void embed_track_table(const struct model *m, const struct dataset *d, int batch,
                              int quiet, struct embeddings *e)
{
	size_t E = m->cfg.embedding;
	float *all = xmalloc(d->n_tracks * E * sizeof(float) + 1);

	embed_tracks(m, d, batch, all, quiet);
	memset(e, 0, sizeof *e);
	e->kind = EMB_TRACKS;
	e->E = E;
	e->key = xmalloc(d->n_mel * sizeof(uint32_t) + 1);
	e->vec = xmalloc(d->n_mel * E * sizeof(float) + 1);
	for (size_t t = 0; t < d->n_tracks; t++)
		if (d->frames[t] > 0) {
			e->key[e->n] = (uint32_t)t;
			memcpy(e->vec + e->n * E, all + t * E, E * sizeof(float));
			e->n++;
		}
	free(all);
}

int cmd_embed(struct options *o)
{
	struct model m;
	struct dataset d;
	size_t E;

	if (dist.rank != 0)
		o->quiet = 1;
	load_model(&m, o->load);
	load_data_for(&d, o, &m, 0);
	E = m.cfg.embedding;
	/* the track and playlist tables are one set: both replaced or neither */
	struct bin_writer tw, pw;
	struct atomic_file *set[2];
	const char *name[2];
	size_t n = 0, bad, n_tracks = 0;
	if (o->tracks_out != NULL) {
		struct embeddings e;
		embed_track_table(&m, &d, o->eval_batch, o->quiet, &e);
		if (dist.rank == 0) {
			if (emb_write_sealed(&tw, o->tracks_out, &e) != 0)
				die(EXIT_WORK, "%s: cannot write", o->tracks_out);
			set[n] = &tw.af, name[n++] = o->tracks_out;
		}
		n_tracks = e.n;
		emb_free(&e);
	}
	if (o->playlists_out != NULL) {
		size_t P = m.cfg.n_playlists;   /* the ones the model has a row for */
		/* rank 0 failing ends the job (die: MPI_Abort under mpirun), so
		 * the others never wait for it in a block's sum */
		int opened = 0;
		if ((dist.rank == 0 && !(opened = emb_create(&pw, o->playlists_out, EMB_PLAYLISTS, P,
		                                             E) == 0)) ||
		    write_playlist_table(&pw, &m, d.pl.pid, o->eval_batch) != 0 ||
		    (dist.rank == 0 && (opened = 0, bin_seal(&pw) != 0))) {
			int err = errno;
			if (opened)
				bin_abort(&pw);       /* bin_seal aborts on its own failure */
			if (n > 0)
				bin_abort(&tw);
			errno = err;
			die(EXIT_WORK, "%s: cannot write", o->playlists_out);
		}
		if (dist.rank == 0)
			set[n] = &pw.af, name[n++] = o->playlists_out;
	}
	if (n > 0 && atomic_commit_set(set, n, &bad) != 0)
		die(EXIT_WORK, "%s: cannot write", name[bad]);
	if (!o->quiet && dist.rank == 0 && o->tracks_out != NULL)
		warnx("%s: %zu track embeddings", o->tracks_out, n_tracks);
	if (!o->quiet && dist.rank == 0 && o->playlists_out != NULL)
		warnx("%s: %zu playlist embeddings", o->playlists_out, (size_t)m.cfg.n_playlists);
	data_free(&d);
	model_free(&m);
	return EXIT_OK;
}
