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

void embed_playlists(const struct model *m, size_t P, int batch, float *out)
{
	struct workspace ws;
	int E = (int)m->cfg.embedding;

	size_t q0 = P * (size_t)dist.rank / (size_t)dist.size;
	size_t q1 = P * (size_t)(dist.rank + 1) / (size_t)dist.size;
	workspace_init(&ws, m, 1, batch);
	memset(out, 0, P * (size_t)E * sizeof(float));
	for (size_t p0 = q0; p0 < q1; p0 += (size_t)batch) {
		int b = (int)(q1 - p0 < (size_t)batch ? q1 - p0 : (size_t)batch);
		for (int i = 0; i < b; i++)
			ws.pidx[i] = (int)(p0 + (size_t)i);
		model_playlists_forward(m, &ws, b);
		memcpy(out + p0 * E, ws.u, (size_t)b * E * sizeof(float));
	}
	workspace_free(&ws);
	dist_sum_floats(out, P * (size_t)E);
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
		struct embeddings e = { .kind = EMB_PLAYLISTS, .n = P, .E = E };
		e.key = xmalloc(P * sizeof(uint32_t) + 1);
		e.vec = xmalloc(P * E * sizeof(float) + 1);
		memcpy(e.key, d.pl.pid, P * sizeof(uint32_t));
		embed_playlists(&m, P, o->eval_batch, e.vec);
		if (dist.rank == 0) {
			if (emb_write_sealed(&pw, o->playlists_out, &e) != 0) {
				int err = errno;
				if (n > 0)
					bin_abort(&tw);
				errno = err;
				die(EXIT_WORK, "%s: cannot write", o->playlists_out);
			}
			set[n] = &pw.af, name[n++] = o->playlists_out;
		}
		emb_free(&e);
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
