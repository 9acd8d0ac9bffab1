/* recommend.c — `dcue-train recommend`: tracks for a known playlist
 * (--playlist), for a new one from its seed tracks (--seeds, fold-in) or
 * its title (--title), and playlists for a new track (--audio); and the
 * catalogue similar.c and challenge.c share.  See docs/dcue-train.md. */
#define _POSIX_C_SOURCE 200809L
#include "recommend.h"
#include "foldin.h"
#include "ids.h"
#include "layers.h"
#include "melfile.h"
#include "msg.h"
#include "playlists.h"
#include "titles.h"
#include "topk.h"
#include "tsv.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- the catalogue ------------------------------------------------------- */

static const struct tracks *sort_tr;   /* qsort has no context argument */

static int by_id(const void *a, const void *b)
{
	return strcmp(sort_tr->id[*(const uint32_t *)a], sort_tr->id[*(const uint32_t *)b]);
}

static const uint32_t *sort_pop;

static int by_pop(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	if (sort_pop[x] != sort_pop[y])
		return sort_pop[x] > sort_pop[y] ? -1 : 1;
	return x < y ? -1 : x > y;
}

static void read_lists(struct catalogue *c, const struct options *o)
{
	char path[4096], err[1024];

	snprintf(path, sizeof path, "%s/tracks.tsv", o->mpd);
	if (tracks_read(path, &c->tr, err, sizeof err) != 0)
		diex(EXIT_WORK, "%s", err);
	snprintf(path, sizeof path, "%s/playlists.bin", o->mpd);
	if (playlists_read(path, &c->pl, err, sizeof err) != 0)
		diex(EXIT_WORK, "%s", err);
	if (c->pl.n_tracks != c->tr.n)
		diex(EXIT_WORK, "%s: %llu tracks, %s/tracks.tsv has %zu", path,
		     (unsigned long long)c->pl.n_tracks, o->mpd, c->tr.n);
}

void catalogue_load(struct catalogue *c, struct options *o, const struct model *m, int lists)
{
	char err[1024], path[4096];

	memset(c, 0, sizeof *c);
	if (o->embeddings != NULL) {
		if (lists) {
			read_lists(c, o);
		} else {
			snprintf(path, sizeof path, "%s/tracks.tsv", o->mpd);
			if (tracks_read(path, &c->tr, err, sizeof err) != 0)
				diex(EXIT_WORK, "%s", err);
		}
		if (emb_read(o->embeddings, &c->emb, err, sizeof err) != 0)
			diex(EXIT_WORK, "%s", err);
		if (c->emb.kind != EMB_TRACKS)
			diex(EXIT_WORK, "%s: playlist embeddings, not track embeddings", o->embeddings);
		if (m != NULL && c->emb.E != m->cfg.embedding)
			diex(EXIT_WORK, "%s: embeddings of width %zu, the model's are %u", o->embeddings,
			     c->emb.E, m->cfg.embedding);
		if (m != NULL && lists && c->pl.n_playlists < m->cfg.n_playlists)
			diex(EXIT_WORK, "%s/playlists.bin: %llu playlists, the model has %u", o->mpd,
			     (unsigned long long)c->pl.n_playlists, m->cfg.n_playlists);
	} else {
		struct dataset d;
		load_data_for(&d, o, m, 0);
		embed_track_table(m, &d, o->eval_batch, o->quiet, &c->emb);
		/* keep the lists, drop the mels */
		c->tr = d.tr;
		c->pl = d.pl;
		memset(&d.tr, 0, sizeof d.tr);
		memset(&d.pl, 0, sizeof d.pl);
		data_free(&d);
	}
	size_t N = c->tr.n, E = c->emb.E;
	c->vec_of = xmalloc(N * sizeof(int32_t) + 1);
	for (size_t t = 0; t < N; t++)
		c->vec_of[t] = -1;
	for (size_t i = 0; i < c->emb.n; i++) {
		if (c->emb.key[i] >= N)
			diex(EXIT_WORK, "%s: track row %u is not in %s/tracks.tsv", o->embeddings,
			     c->emb.key[i], o->mpd);
		c->vec_of[c->emb.key[i]] = (int32_t)i;
	}
	c->inv = xmalloc(c->emb.n * sizeof(float) + 1);
	cosine_inv_norms(c->emb.vec, c->emb.n, E, c->inv);
	if (c->pl.pid == NULL)
		return;
	c->pop = xcalloc(N + 1, sizeof(uint32_t));
	for (uint64_t e = 0; e < c->pl.n_entries; e++)
		c->pop[c->pl.track[e]]++;
	c->by_pop = xmalloc(N * sizeof(uint32_t) + 1);
	for (size_t t = 0; t < N; t++)
		c->by_pop[t] = (uint32_t)t;
	sort_pop = c->pop;
	qsort(c->by_pop, N, sizeof(uint32_t), by_pop);
}

void catalogue_index_ids(struct catalogue *c)
{
	if (c->by_id != NULL)
		return;
	c->by_id = xmalloc(c->tr.n * sizeof(uint32_t) + 1);
	for (size_t t = 0; t < c->tr.n; t++)
		c->by_id[t] = (uint32_t)t;
	sort_tr = &c->tr;
	qsort(c->by_id, c->tr.n, sizeof(uint32_t), by_id);
}

void catalogue_free(struct catalogue *c)
{
	tracks_free(&c->tr);
	playlists_free(&c->pl);
	emb_free(&c->emb);
	free(c->inv);
	free(c->vec_of);
	free(c->pop);
	free(c->by_pop);
	free(c->by_id);
	memset(c, 0, sizeof *c);
}

long catalogue_find(const struct catalogue *c, const char *id)
{
	size_t lo = 0, hi = c->tr.n;

	if (c->by_id == NULL) {
		for (size_t t = 0; t < c->tr.n; t++)
			if (strcmp(c->tr.id[t], id) == 0)
				return (long)t;
		return -1;
	}
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int d = strcmp(c->tr.id[c->by_id[mid]], id);
		if (d == 0)
			return c->by_id[mid];
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

void print_track(FILE *fp, const struct catalogue *c, size_t rank, uint32_t row, double score)
{
	fprintf(fp, "%zu\t%s\t%.6f\t", rank, c->tr.id[row], score);
	tsv_put(fp, c->tr.artist[row]);
	fputc('\t', fp);
	tsv_put(fp, c->tr.title[row]);
	fputc('\n', fp);
}

/* --- one .mel, seeds ------------------------------------------------------ */

void embed_mel_file(const struct model *m, const char *path, float *v)
{
	const struct conv_shape *cs = &m->conv[0];
	const struct dcue_config *cfg = &m->cfg;
	int T = cs->T, M = (int)cfg->mel_bins, E = (int)cfg->embedding;
	size_t seq = (size_t)cs->S * cs->Ci, pad = (size_t)conv_pad_left(cs->k) * cs->Ci;
	struct mel mel;
	char err[1024];

	if (mel_read(path, &mel, err, sizeof err) != 0)
		diex(EXIT_WORK, "%s", err);
	if (mel.n_mels != (uint64_t)M)
		diex(EXIT_WORK, "%s: %llu mel bands, the model expects %d", path,
		     (unsigned long long)mel.n_mels, M);
	if (mel.n_frames == 0)
		diex(EXIT_WORK, "%s: no frames", path);
	size_t F = (size_t)mel.n_frames;
	float *x = xmalloc(F * (size_t)M * sizeof(float));
	mel_to_float(&mel, x);
	/* the model's input: ((x - min)/(max - min) - mean)/std, as data.c */
	float range = cfg->mel_max - cfg->mel_min;
	for (size_t i = 0; i < F * (size_t)M; i++) {
		if (!isfinite(x[i]))
			diex(EXIT_WORK, "%s: frame %zu holds a non-finite value", path, i / (size_t)M);
		x[i] = ((x[i] - cfg->mel_min) / range - cfg->mel_mean) / cfg->mel_std;
	}
	/* consecutive segments of T frames (a short track looped once), as embed_tracks */
	size_t nseg = F >= (size_t)T ? F / (size_t)T : 1;
	struct workspace ws;
	workspace_init(&ws, m, MODEL_CHUNK, 1);
	memset(v, 0, (size_t)E * sizeof(float));
	for (size_t s0 = 0; s0 < nseg; s0 += MODEL_CHUNK) {
		int nb = (int)(nseg - s0 < MODEL_CHUNK ? nseg - s0 : MODEL_CHUNK);
		for (int i = 0; i < nb; i++) {
			float *dst = ws.x[0] + (size_t)i * seq + pad;
			for (int f = 0; f < T; f++)
				memcpy(dst + (size_t)f * M, x + (((s0 + i) * T + f) % F) * M,
				       (size_t)M * sizeof(float));
		}
		model_tracks_forward(m, &ws, nb);
		for (int i = 0; i < nb; i++)
			for (int e = 0; e < E; e++)
				v[e] += ws.v[(size_t)i * E + e] / (float)nseg;
	}
	workspace_free(&ws);
	free(x);
	mel_free(&mel);
}

uint32_t *read_seeds(const struct catalogue *c, const char *path, size_t *n)
{
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	const char *name = fp == stdin ? "(stdin)" : path;
	struct tsv_reader r;
	uint32_t *rows = NULL;
	uint8_t *seen = xcalloc(c->tr.n + 1, 1);
	size_t cap = 0;
	int st;

	if (fp == NULL)
		die(EXIT_WORK, "%s", path);
	*n = 0;
	tsv_reader_init(&r, fp, 4096);
	while ((st = tsv_getline(&r, NULL)) == 1) {
		char *s = r.line, *e;
		while (isspace((unsigned char)*s))
			s++;
		for (e = s + strlen(s); e > s && isspace((unsigned char)e[-1]); e--)
			;
		*e = '\0';
		if (*s == '\0' || *s == '#')
			continue;
		const char *id = strncmp(s, "spotify:track:", 14) == 0 ? track_id_from_uri(s) : s;
		if (id == NULL || !track_id_valid(id))
			diex(EXIT_WORK, "%s:%lu: '%s' is not a track id", name, r.lineno, s);
		long t = catalogue_find(c, id);
		if (t < 0)
			diex(EXIT_WORK, "%s:%lu: track %s is not in tracks.tsv", name, r.lineno, id);
		if (seen[t])
			continue;
		seen[t] = 1;
		if (*n == cap) {
			cap = cap ? 2 * cap : 64;
			uint32_t *g = realloc(rows, cap * sizeof(uint32_t));
			if (g == NULL)
				die(EXIT_WORK, "out of memory");
			rows = g;
		}
		rows[(*n)++] = (uint32_t)t;
	}
	if (st < 0 || ferror(fp))
		die(EXIT_WORK, "%s", name);
	tsv_reader_free(&r);
	if (fp != stdin)
		fclose(fp);
	free(seen);
	return rows;
}

/* --- the subcommand ---------------------------------------------------------- */

struct exclude { const uint8_t *mask; const uint32_t *key; };

static int skip_masked(void *ctx, size_t q, size_t i)
{
	const struct exclude *x = ctx;
	(void)q;
	return x->mask[x->key[i]];
}

/* The k best tracks with a vector for u, none of whose rows is marked in
 * mask [tr.n]. */
static void print_by_vector(const struct catalogue *c, const float *u, const uint8_t *mask,
                            int k)
{
	struct topk h;
	struct exclude x = { mask, c->emb.key };

	topk_init(&h, (size_t)k);
	cosine_search(u, 1, c->emb.vec, c->inv, c->emb.n, c->emb.E, skip_masked, &x, &h);
	topk_sort(&h);
	printf(TRACK_LIST_HEADER);
	for (size_t r = 0; r < h.n; r++)
		print_track(stdout, c, r + 1, c->emb.key[h.key[r]], h.score[r]);
	topk_free(&h);
}

/* The k most popular tracks not in mask; score = their playlist count. */
static void print_by_popularity(const struct catalogue *c, const uint8_t *mask, int k)
{
	size_t r = 0;

	printf(TRACK_LIST_HEADER);
	for (size_t i = 0; i < c->tr.n && r < (size_t)k; i++)
		if (!mask[c->by_pop[i]]) {
			uint32_t t = c->by_pop[i];
			print_track(stdout, c, ++r, t, c->pop[t]);
		}
}

long catalogue_playlist_row(const struct catalogue *c, const struct model *m, uint32_t pid)
{
	return playlists_row(c->pl.pid, m->cfg.n_playlists, pid);
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

/* --audio: the k playlists (with tracks) whose vectors score highest with
 * the track's, computed in blocks of playlists with a k-heap. */
static void recommend_playlists(const struct model *m, const struct catalogue *c,
                                const float *v, int k, int batch)
{
	size_t P = m->cfg.n_playlists, E = m->cfg.embedding;
	float *u = xmalloc((size_t)batch * E * sizeof(float)), *inv = xmalloc((size_t)batch * sizeof(float));
	struct topk h;
	struct workspace ws;
	float iv;

	cosine_inv_norms(v, 1, E, &iv);
	topk_init(&h, (size_t)k);
	workspace_init(&ws, m, 1, batch);
	for (size_t p0 = 0; p0 < P; p0 += (size_t)batch) {
		int b = (int)(P - p0 < (size_t)batch ? P - p0 : (size_t)batch);
		for (int i = 0; i < b; i++)
			ws.pidx[i] = (int)(p0 + (size_t)i);
		model_playlists_forward(m, &ws, b);
		cosine_inv_norms(ws.u, (size_t)b, E, inv);
		for (int i = 0; i < b; i++) {
			size_t p = p0 + (size_t)i;
			float d = 0;
			/* a playlist without tracks (a title-only challenge playlist)
			 * has a row that was never trained */
			if (c->pl.offsets[p + 1] == c->pl.offsets[p])
				continue;
			for (size_t e = 0; e < E; e++)
				d += ws.u[(size_t)i * E + e] * v[e];
			topk_push(&h, d * inv[i] * iv, (uint32_t)(p0 + (size_t)i));
		}
	}
	topk_sort(&h);
	printf("# rank\tpid\tscore\ttracks\n");
	for (size_t r = 0; r < h.n; r++) {
		uint32_t p = h.key[r];
		printf("%zu\t%u\t%.6f\t%llu\n", r + 1, c->pl.pid[p], h.score[r],
		       (unsigned long long)(c->pl.offsets[p + 1] - c->pl.offsets[p]));
	}
	workspace_free(&ws);
	topk_free(&h);
	free(u);
	free(inv);
}

static void foldin_opts_from(const struct options *o, const struct model *m, struct foldin_opts *fo)
{
	(void)m;
	foldin_defaults(fo);
	fo->method = (enum foldin_method)o->foldin;
	if (o->foldin_steps > 0)
		fo->steps = o->foldin_steps;
	if (o->foldin_lr > 0)
		fo->lr = o->foldin_lr;
	fo->seed = o->cfg.seed;
}

/* u from the training playlists named as --title; 0 when there is none. */
static int title_match(const struct options *o, const struct model *m, const struct catalogue *c,
                       float *u)
{
	struct titles ti;
	size_t n;

	titles_load(&ti, o->titles, &c->pl, m->cfg.n_playlists, NULL);
	n = titles_vector(&ti, m, o->title, u);
	titles_free(&ti);
	if (n > 0 && !o->quiet)
		warnx("no seed with a vector: the %zu training playlists named '%s'", n, o->title);
	return n > 0;
}

int cmd_recommend(struct options *o)
{
	struct model m;
	struct catalogue c;
	size_t E;

	load_model(&m, o->load);
	E = m.cfg.embedding;
	if (o->audio != NULL) {   /* needs no track vectors: only the lists */
		float *v = xmalloc(E * sizeof(float));
		embed_mel_file(&m, o->audio, v);
		memset(&c, 0, sizeof c);
		read_lists(&c, o);
		if (c.pl.n_playlists < m.cfg.n_playlists)
			diex(EXIT_WORK, "%s/playlists.bin: %llu playlists, the model has %u", o->mpd,
			     (unsigned long long)c.pl.n_playlists, m.cfg.n_playlists);
		recommend_playlists(&m, &c, v, o->k, o->eval_batch);
		free(v);
		tracks_free(&c.tr);
		playlists_free(&c.pl);
		model_free(&m);
		return EXIT_OK;
	}
	catalogue_load(&c, o, &m, 1);
	catalogue_index_ids(&c);
	uint8_t *mask = xcalloc(c.tr.n + 1, 1);
	float *u = xmalloc(E * sizeof(float));
	if (o->playlist >= 0) {
		long row = catalogue_playlist_row(&c, &m, (uint32_t)o->playlist);
		if (row < 0)
			diex(EXIT_WORK, "--playlist %lld: no such pid among the model's %u playlists",
			     o->playlist, m.cfg.n_playlists);
		for (uint64_t e = c.pl.offsets[row]; e < c.pl.offsets[row + 1]; e++)
			mask[c.pl.track[e]] = 1;
		playlist_vector(&m, (size_t)row, u);
		print_by_vector(&c, u, mask, o->k);
	} else {
		size_t n = 0, S = 0;
		uint32_t *rows = o->seeds != NULL ? read_seeds(&c, o->seeds, &n) : NULL;
		uint32_t *seeds = xmalloc((n + 1) * sizeof(uint32_t));
		uint8_t *is_seed = xcalloc(c.emb.n + 1, 1);
		for (size_t i = 0; i < n; i++) {
			mask[rows[i]] = 1;
			if (c.vec_of[rows[i]] >= 0) {
				seeds[S++] = (uint32_t)c.vec_of[rows[i]];
				is_seed[c.vec_of[rows[i]]] = 1;
			}
		}
		if (S > 0) {
			struct foldin_opts fo;
			float *r0 = xmalloc(m.cfg.hidden * sizeof(float));
			foldin_opts_from(o, &m, &fo);
			foldin_start_row(&m, r0);
			foldin(&m, &fo, r0, c.emb.vec, c.emb.n, seeds, S, is_seed, u);
			print_by_vector(&c, u, mask, o->k);
			free(r0);
		} else if (o->title != NULL && title_match(o, &m, &c, u)) {
			print_by_vector(&c, u, mask, o->k);
		} else {
			if (!o->quiet)
				warnx("no seed with a vector%s: the most popular tracks",
				      o->title != NULL ? " and no training playlist of that title" : "");
			print_by_popularity(&c, mask, o->k);
		}
		free(rows);
		free(seeds);
		free(is_seed);
	}
	free(u);
	free(mask);
	catalogue_free(&c);
	model_free(&m);
	return EXIT_OK;
}
