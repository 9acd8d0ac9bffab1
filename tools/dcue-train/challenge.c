/* challenge.c — `dcue-train challenge`: a RecSys Challenge 2018 submission
 * (gzipped CSV) for a challenge set.  Per playlist: a vector by fold-in
 * of its seeds (foldin.h), else by its title (titles.h), else none; the
 * tracks by cosine with that vector, then by popularity until 500, never a
 * seed.  See docs/dcue-train.md, "The RecSys Challenge 2018". */
#define _POSIX_C_SOURCE 200809L
#include "recommend.h"
#include "atomic.h"
#include "challenge.h"
#include "foldin.h"
#include "msg.h"
#include "titles.h"
#include "topk.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define SUBMISSION_TRACKS 500

/* --- a gzip stream into an atomic file ----------------------------------- */

struct gzout {
	z_stream z;
	struct atomic_file af;
	unsigned char in[1 << 16], out[1 << 16];
	size_t nin;
	const char *path;
};

static void gz_deflate(struct gzout *g, int flush)
{
	g->z.next_in = g->in;
	g->z.avail_in = (uInt)g->nin;
	do {
		g->z.next_out = g->out;
		g->z.avail_out = sizeof g->out;
		int rc = deflate(&g->z, flush);
		if (rc == Z_STREAM_ERROR)
			diex(EXIT_WORK, "%s: zlib deflate failed", g->path);
		size_t have = sizeof g->out - g->z.avail_out;
		if (have > 0 && fwrite(g->out, 1, have, g->af.fp) != have)
			die(EXIT_WORK, "%s", g->path);
	} while (g->z.avail_out == 0);
	g->nin = 0;
}

static void gz_open(struct gzout *g, const char *path)
{
	memset(&g->z, 0, sizeof g->z);
	g->nin = 0;
	g->path = path;
	if (atomic_open(&g->af, path) != 0)
		die(EXIT_WORK, "%s", path);
	/* windowBits 15 + 16: a gzip header and trailer */
	if (deflateInit2(&g->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
	                 Z_DEFAULT_STRATEGY) != Z_OK)
		diex(EXIT_WORK, "%s: zlib deflateInit2 failed", path);
}

static void gz_printf(struct gzout *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void gz_printf(struct gzout *g, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof line)
		diex(EXIT_WORK, "%s: a field is too long", g->path);
	if (g->nin + (size_t)n > sizeof g->in)
		gz_deflate(g, Z_NO_FLUSH);
	memcpy(g->in + g->nin, line, (size_t)n);
	g->nin += (size_t)n;
}

static void gz_close(struct gzout *g)
{
	gz_deflate(g, Z_FINISH);
	deflateEnd(&g->z);
	if (atomic_commit(&g->af) != 0)
		die(EXIT_WORK, "%s", g->path);
}

/* --- the submission ----------------------------------------------------------- */

enum how { BY_FOLDIN, BY_TITLE, BY_POPULARITY };

struct job {
	const struct ch_playlist *p;
	uint32_t *seeds;          /* rows of tracks.tsv */
	size_t n_seeds;
	enum how how;
	long q;                   /* its query in Q, -1 = none */
};

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

static int is_seed(const struct job *j, uint32_t row)
{
	return bsearch(&row, j->seeds, j->n_seeds, sizeof(uint32_t), cmp_u32) != NULL;
}

/* The seeds' rows in tracks.tsv, sorted, repeats dropped; a seed not in
 * tracks.tsv is an error naming the file and the pid. */
static void job_seeds(struct job *j, const struct catalogue *c, const char *path)
{
	size_t n = 0;

	j->seeds = xmalloc((j->p->n_tracks + 1) * sizeof(uint32_t));
	for (size_t i = 0; i < j->p->n_tracks; i++) {
		long t = catalogue_find(c, j->p->tracks[i].id);
		if (t < 0)
			diex(EXIT_WORK, "%s: pid %u: seed track %s is not in tracks.tsv (parse the MPD "
			     "with mpd-parse --challenge %s)", path, j->p->pid, j->p->tracks[i].id, path);
		j->seeds[n++] = (uint32_t)t;
	}
	qsort(j->seeds, n, sizeof(uint32_t), cmp_u32);
	j->n_seeds = 0;
	for (size_t i = 0; i < n; i++)
		if (j->n_seeds == 0 || j->seeds[j->n_seeds - 1] != j->seeds[i])
			j->seeds[j->n_seeds++] = j->seeds[i];
}

static void write_playlist(struct gzout *g, const struct catalogue *c, const struct job *j,
                           const struct topk *h, uint8_t *used, size_t *from_pop)
{
	uint32_t *list = xmalloc(SUBMISSION_TRACKS * sizeof(uint32_t));
	size_t n = 0;

	for (size_t r = 0; h != NULL && r < h->n && n < SUBMISSION_TRACKS; r++) {
		uint32_t t = c->emb.key[h->key[r]];
		if (!is_seed(j, t)) {
			list[n++] = t;
			used[t] = 1;
		}
	}
	for (size_t i = 0; i < c->tr.n && n < SUBMISSION_TRACKS; i++) {
		uint32_t t = c->by_pop[i];
		if (!used[t] && !is_seed(j, t)) {
			list[n++] = t;
			used[t] = 1;
			(*from_pop)++;
		}
	}
	if (n < SUBMISSION_TRACKS)
		diex(EXIT_WORK, "pid %u: only %zu tracks that are not its seeds, %d needed: the "
		     "catalogue is too small for a submission", j->p->pid, n, SUBMISSION_TRACKS);
	gz_printf(g, "%u", j->p->pid);
	for (size_t i = 0; i < n; i++) {
		gz_printf(g, ",spotify:track:%s", c->tr.id[list[i]]);
		used[list[i]] = 0;
	}
	gz_printf(g, "\n");
	free(list);
}

/* The model's row of pid when it holds entries (its seeds were trained
 * on), else -1. */
static long trained_row(const struct catalogue *c, const struct model *m, uint32_t pid)
{
	long row = catalogue_playlist_row(c, m, pid);

	if (row < 0 || c->pl.offsets[row + 1] == c->pl.offsets[row])
		return -1;
	return row;
}

static void playlist_vector(const struct model *m, size_t row, float *u)
{
	struct workspace ws;

	workspace_init(&ws, m, 1, 1);
	ws.pidx[0] = (int)row;
	model_playlists_forward(m, &ws, 1);
	memcpy(u, ws.u, m->cfg.embedding * sizeof(float));
	workspace_free(&ws);
}

int cmd_challenge(struct options *o)
{
	struct model m;
	struct catalogue c;
	struct challenge ch;
	struct titles ti;
	struct foldin_opts fo;
	char err[1024];
	size_t E, n_title = 0, n_fold = 0, n_pop = 0, from_pop = 0;

	load_model(&m, o->load);
	E = m.cfg.embedding;
	catalogue_load(&c, o, &m, 1);
	catalogue_index_ids(&c);
	if (challenge_read(o->challenge, &ch, err, sizeof err) != 0)
		diex(EXIT_WORK, "%s", err);
	/* the challenge playlists' own rows are no title examples */
	size_t P = m.cfg.n_playlists;
	uint8_t *skip = xcalloc(P + 1, 1);
	for (size_t r = 0; r < P; r++)
		if (challenge_find(&ch, c.pl.pid[r]) != NULL)
			skip[r] = 1;
	memset(&ti, 0, sizeof ti);
	if (o->titles != NULL)
		titles_load(&ti, o->titles, &c.pl, P, skip);
	free(skip);

	/* every playlist's vector: fold-in, else title, else none */
	struct job *jobs = xcalloc(ch.n + 1, sizeof *jobs);
	float *Q = xmalloc((ch.n + 1) * E * sizeof(float));
	float *r0 = xmalloc(m.cfg.hidden * sizeof(float));
	uint32_t *sv = xmalloc((c.emb.n + 1) * sizeof(uint32_t));
	uint8_t *is_sv = xcalloc(c.emb.n + 1, 1);
	size_t nq = 0;
	foldin_defaults(&fo);
	fo.method = (enum foldin_method)o->foldin;
	if (o->foldin_steps > 0)
		fo.steps = o->foldin_steps;
	if (o->foldin_lr > 0)
		fo.lr = o->foldin_lr;
	fo.seed = o->cfg.seed;
	foldin_start_row(&m, r0);
	for (size_t i = 0; i < ch.n; i++) {
		struct job *j = &jobs[i];
		size_t S = 0;
		j->p = &ch.pl[i];
		job_seeds(j, &c, o->challenge);
		for (size_t s = 0; s < j->n_seeds; s++)
			if (c.vec_of[j->seeds[s]] >= 0) {
				sv[S++] = (uint32_t)c.vec_of[j->seeds[s]];
				is_sv[sv[S - 1]] = 1;
			}
		j->q = -1;
		j->how = BY_POPULARITY;
		long row = fo.method == FOLDIN_TRAINED ? trained_row(&c, &m, j->p->pid) : -1;
		if (S > 0 && row >= 0) {
			playlist_vector(&m, (size_t)row, Q + nq * E);
			j->how = BY_FOLDIN;
			n_fold++;
		} else if (S > 0) {
			foldin(&m, &fo, r0, c.emb.vec, c.emb.n, sv, S, is_sv, Q + nq * E);
			j->how = BY_FOLDIN;
			n_fold++;
		} else if (j->p->titled && ti.n > 0 && titles_vector(&ti, &m, j->p->name, Q + nq * E) > 0) {
			j->how = BY_TITLE;
			n_title++;
		} else {
			n_pop++;
		}
		if (j->how != BY_POPULARITY)
			j->q = (long)nq++;
		for (size_t s = 0; s < S; s++)
			is_sv[sv[s]] = 0;
	}
	free(sv);
	free(is_sv);
	free(r0);

	/* the tracks of every playlist with a vector, in one blocked search; a
	 * heap of 500 + its seeds, the seeds dropped afterwards */
	struct topk *h = xmalloc((nq + 1) * sizeof *h);
	for (size_t i = 0; i < ch.n; i++)
		if (jobs[i].q >= 0)
			topk_init(&h[jobs[i].q], SUBMISSION_TRACKS + jobs[i].n_seeds);
	cosine_search(Q, nq, c.emb.vec, c.inv, c.emb.n, E, NULL, NULL, h);

	struct gzout *g = xmalloc(sizeof *g);
	uint8_t *used = xcalloc(c.tr.n + 1, 1);
	gz_open(g, o->out);
	gz_printf(g, "team_info,%s,%s\n", o->team, o->email);
	for (size_t i = 0; i < ch.n; i++) {
		struct topk *hq = jobs[i].q >= 0 ? &h[jobs[i].q] : NULL;
		if (hq != NULL)
			topk_sort(hq);
		write_playlist(g, &c, &jobs[i], hq, used, &from_pop);
		if (hq != NULL)
			topk_free(hq);
		free(jobs[i].seeds);
	}
	gz_close(g);
	if (!o->quiet)
		warnx("%s: %zu playlists: %zu by fold-in of their seeds, %zu by title, %zu by "
		      "popularity alone; %zu of the %zu tracks listed came from popularity", o->out,
		      ch.n, n_fold, n_title, n_pop, from_pop, ch.n * (size_t)SUBMISSION_TRACKS);
	free(g);
	free(used);
	free(h);
	free(Q);
	free(jobs);
	titles_free(&ti);
	challenge_free(&ch);
	catalogue_free(&c);
	model_free(&m);
	return EXIT_OK;
}
