/* mpd_store.c — see mpd_store.h. */
#define _POSIX_C_SOURCE 200809L
#include "mpd_store.h"
#include "atomic.h"
#include "ids.h"
#include "msg.h"
#include "playlists.h"
#include "tracks.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void store_init(struct mpd_store *st, uint32_t limit, int want_uris)
{
	memset(st, 0, sizeof *st);
	st->limit = limit;
	st->want_uris = want_uris;
	strset_init(&st->ids);
	if (want_uris) {
		strset_init(&st->artists);
		strset_init(&st->albums);
	}
	st->cap_playlists = 1024;
	st->pid = xmalloc(st->cap_playlists * sizeof *st->pid);
	st->file = xmalloc(st->cap_playlists * sizeof *st->file);
	st->start = xmalloc((st->cap_playlists + 1) * sizeof *st->start);
	st->start[0] = 0;
}

void store_free(struct mpd_store *st)
{
	strset_free(&st->ids);
	if (st->want_uris) {
		strset_free(&st->artists);
		strset_free(&st->albums);
	}
	free(st->meta);
	free(st->text);
	free(st->pid);
	free(st->file);
	free(st->start);
	free(st->entries);
	memset(st, 0, sizeof *st);
}

static size_t text_put(struct mpd_store *st, const char *s)
{
	size_t n = strlen(s) + 1, at = st->text_len;

	if (st->text_len + n > st->text_cap) {
		while (st->text_len + n > st->text_cap)
			st->text_cap = st->text_cap ? 2 * st->text_cap : 1 << 20;
		st->text = xrealloc(st->text, st->text_cap);
	}
	/* Control characters (and NULs from \u0000, which end the string
	 * early here) become spaces, so every field fits in one TSV line. */
	for (size_t i = 0; i + 1 < n; i++) {
		unsigned char c = (unsigned char)s[i];
		st->text[at + i] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
	}
	st->text[at + n - 1] = '\0';
	st->text_len += n;
	return at;
}

/* Room for one more playlist of n entries. */
static void reserve_playlist(struct mpd_store *st, uint64_t n)
{
	if (st->n_playlists + 1 >= st->cap_playlists) {
		st->cap_playlists *= 2;
		st->pid = xrealloc(st->pid, st->cap_playlists * sizeof *st->pid);
		st->file = xrealloc(st->file, st->cap_playlists * sizeof *st->file);
		st->start = xrealloc(st->start, (st->cap_playlists + 1) * sizeof *st->start);
	}
	if (st->n_entries + n > st->cap_entries) {
		while (st->n_entries + n > st->cap_entries)
			st->cap_entries = st->cap_entries ? 2 * st->cap_entries : 1 << 16;
		st->entries = xrealloc(st->entries, st->cap_entries * sizeof *st->entries);
	}
}

/* A track's metadata, replaced when a playlist with a smaller pid holds it. */
static uint32_t intern_track(struct mpd_store *st, const char *id)
{
	int is_new;
	uint32_t k = strset_intern(&st->ids, id, TRACK_ID_LEN, &is_new);

	if (is_new) {
		if (k >= st->meta_cap) {
			st->meta_cap = st->meta_cap ? 2 * st->meta_cap : 4096;
			st->meta = xrealloc(st->meta, st->meta_cap * sizeof *st->meta);
		}
		st->meta[k].first_pid = UINT32_MAX;
	}
	return k;
}

static void set_meta(struct mpd_store *st, uint32_t k, uint32_t pid, uint32_t duration_ms,
                     const char *artist, const char *name, const char *album)
{
	struct track_meta *m = &st->meta[k];

	m->first_pid = pid;
	m->duration_ms = duration_ms;
	m->artist = text_put(st, artist);
	m->name = text_put(st, name);
	m->album = text_put(st, album);
}

int store_add_playlist(void *ctx, const struct mpd_playlist *pl, char *err, size_t errcap)
{
	struct mpd_store *st = ctx;
	size_t p;

	(void)err;
	(void)errcap;
	if (pl->pid >= st->limit)
		return 0;
	reserve_playlist(st, pl->n_tracks);
	p = st->n_playlists;
	for (uint32_t i = 0; i < pl->n_tracks; i++) {
		const struct mpd_track *t = &pl->tracks[i];
		uint32_t k = intern_track(st, t->id);

		if (pl->pid < st->meta[k].first_pid)
			set_meta(st, k, pl->pid, t->duration_ms, t->artist, t->name, t->album);
		if (st->want_uris) {
			strset_intern(&st->artists, t->artist_id, strlen(t->artist_id), NULL);
			strset_intern(&st->albums, t->album_id, strlen(t->album_id), NULL);
		}
		st->entries[st->n_entries++] = k;
	}
	st->pid[p] = pl->pid;
	st->file[p] = st->cur_file;
	st->start[p + 1] = st->n_entries;
	st->n_playlists++;
	return 0;
}

void store_add_challenge(struct mpd_store *st, const struct challenge *c)
{
	uint32_t limit = st->limit;
	struct mpd_track *t = NULL;
	size_t cap = 0;

	st->limit = UINT32_MAX;          /* challenge pids are kept whatever --limit */
	for (size_t i = 0; i < c->n; i++) {
		const struct ch_playlist *p = &c->pl[i];
		struct mpd_playlist pl;

		if (p->n_tracks > cap) {
			cap = p->n_tracks;
			t = xrealloc(t, cap * sizeof *t);
		}
		for (size_t k = 0; k < p->n_tracks; k++) {
			const struct ch_track *s = &p->tracks[k];
			t[k] = (struct mpd_track){ s->id, s->artist_uri, s->album_uri, s->artist, s->name,
			                           s->album, s->duration_ms };
		}
		pl.pid = p->pid;
		pl.n_tracks = (uint32_t)p->n_tracks;
		pl.tracks = t;
		store_add_playlist(st, &pl, NULL, 0);
	}
	free(t);
	st->limit = limit;
	st->challenge = c;
}

static const uint32_t *sort_pid;

static int by_pid(const void *a, const void *b)
{
	uint32_t x = sort_pid[*(const uint32_t *)a], y = sort_pid[*(const uint32_t *)b];

	return (x > y) - (x < y);
}

int store_finish(struct mpd_store *st, uint32_t min_count, const char *const *files,
                 struct dataset *ds, char *err, size_t errcap)
{
	size_t P = st->n_playlists, N = st->ids.n;
	uint32_t *order = xmalloc((P + 1) * sizeof *order);
	uint32_t *mark = xcalloc(N + 1, sizeof *mark);      /* last playlist (+1) seen in */
	uint32_t *count = xcalloc(N + 1, sizeof *count);
	uint32_t *final = xmalloc((N + 1) * sizeof *final);
	uint8_t *pinned = xcalloc(N + 1, 1);                   /* a challenge seed */
	uint64_t nnz = 0;

	memset(ds, 0, sizeof *ds);
	ds->raw_entries = st->n_entries;
	for (size_t p = 0; p < P; p++)
		order[p] = (uint32_t)p;
	sort_pid = st->pid;
	qsort(order, P, sizeof *order, by_pid);
	for (size_t i = 1; i < P; i++)
		if (st->pid[order[i]] == st->pid[order[i - 1]]) {
			snprintf(err, errcap, "duplicate pid %u: in %s and in %s", st->pid[order[i]],
			         files[st->file[order[i - 1]]], files[st->file[order[i]]]);
			free(order), free(mark), free(count), free(final), free(pinned);
			return -1;
		}

	/* Occurrence counts, one per playlist (duplicates inside one ignored). */
	for (size_t i = 0; i < P; i++) {
		int is_ch = st->challenge && challenge_find(st->challenge, st->pid[order[i]]);
		for (uint64_t e = st->start[order[i]]; e < st->start[order[i] + 1]; e++) {
			uint32_t k = st->entries[e];
			if (mark[k] != i + 1) {
				mark[k] = (uint32_t)i + 1;
				count[k]++;
			}
			pinned[k] |= is_ch;
		}
	}
	/* Playlists keep their tracks with count >= min_count; playlists left
	 * with fewer than two are dropped (only when --min-count filters). */
	ds->pid = xmalloc((P + 1) * sizeof *ds->pid);
	ds->offsets = xmalloc((P + 1) * sizeof *ds->offsets);
	ds->track = xmalloc((st->n_entries + 1) * sizeof *ds->track);
	ds->offsets[0] = 0;
	memset(mark, 0, (N + 1) * sizeof *mark);
	for (size_t i = 0; i < P; i++) {
		uint64_t begin = nnz;
		for (uint64_t e = st->start[order[i]]; e < st->start[order[i] + 1]; e++) {
			uint32_t k = st->entries[e];
			if (mark[k] == i + 1 || (count[k] < min_count && !pinned[k]))
				continue;
			mark[k] = (uint32_t)i + 1;
			ds->track[nnz++] = k;             /* store index for now */
		}
		if (min_count > 1 && nnz - begin < 2 &&
		    !(st->challenge && challenge_find(st->challenge, st->pid[order[i]]))) {
			nnz = begin;
			ds->dropped_playlists++;
			continue;
		}
		ds->pid[ds->n_playlists++] = st->pid[order[i]];
		ds->offsets[ds->n_playlists] = nnz;
	}
	ds->n_entries = nnz;
	/* Renumber by first appearance in pid order and recount over the kept
	 * playlists, so count is exactly what playlists.bin holds. */
	for (size_t k = 0; k < N; k++)
		final[k] = UINT32_MAX;
	ds->store_track = xmalloc((N + 1) * sizeof *ds->store_track);
	ds->count = xcalloc(N + 1, sizeof *ds->count);
	for (uint64_t e = 0; e < nnz; e++) {
		uint32_t k = ds->track[e];
		if (final[k] == UINT32_MAX) {
			final[k] = ds->n_tracks;
			ds->store_track[ds->n_tracks++] = k;
		}
		ds->track[e] = final[k];
		ds->count[final[k]]++;
	}
	ds->dropped_tracks = N - ds->n_tracks;
	free(order), free(mark), free(count), free(final), free(pinned);
	return 0;
}

void dataset_free(struct dataset *ds)
{
	free(ds->pid);
	free(ds->offsets);
	free(ds->track);
	free(ds->store_track);
	free(ds->count);
	memset(ds, 0, sizeof *ds);
}

void clean_title(const char *name, char *out, size_t cap)
{
	const char *end = name + strlen(name), *paren = strchr(name, '('), *dash = strstr(name, " - ");
	const char *b = name, *e = end;

	if (paren != NULL && paren < e)
		e = paren;
	if (dash != NULL && dash < e)
		e = dash;
	while (b < e && *b == ' ')
		b++;
	while (e > b && e[-1] == ' ')
		e--;
	if (e == b) {                   /* nothing before the cut: keep it all */
		b = name, e = end;
		while (b < e && *b == ' ')
			b++;
		while (e > b && e[-1] == ' ')
			e--;
	}
	size_t n = (size_t)(e - b);
	if (cap == 0)
		return;
	if (n >= cap)
		n = cap - 1;
	memcpy(out, b, n);
	out[n] = '\0';
}

/* Appends the decimal digits of v to p; returns the new end. */
static char *put_u32(char *p, uint32_t v)
{
	char tmp[10];
	int n = 0;

	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n > 0)
		*p++ = tmp[--n];
	return p;
}

static char *put_str(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return p + n;
}

static int write_tracks(const struct mpd_store *st, const struct dataset *ds, const char *path,
                        struct atomic_file *af)
{
	size_t cap = 1 << 16;
	char *line = xmalloc(cap);

	if (atomic_open(af, path) != 0) {
		free(line);
		return -1;
	}
	fprintf(af->fp, "%s\n", TRACKS_HEADER);
	/* The store's strings hold no control characters (text_put replaced
	 * them), so a line is assembled by plain copies. */
	for (uint32_t i = 0; i < ds->n_tracks; i++) {
		uint32_t k = ds->store_track[i];
		const struct track_meta *m = &st->meta[k];
		const char *name = st->text + m->name, *artist = st->text + m->artist;
		const char *album = st->text + m->album;
		size_t need = TRACK_ID_LEN + 2 * strlen(name) + strlen(artist) + strlen(album) + 40;
		char *p;

		if (need > cap) {
			cap = need;
			line = xrealloc(line, cap);
		}
		p = put_str(line, strset_key(&st->ids, k));
		*p++ = '\t';
		p = put_str(p, artist);
		*p++ = '\t';
		clean_title(name, p, strlen(name) + 1);
		p += strlen(p);
		*p++ = '\t';
		p = put_str(p, album);
		*p++ = '\t';
		p = put_u32(p, m->duration_ms);
		*p++ = '\t';
		p = put_u32(p, ds->count[i]);
		*p++ = '\t';
		p = put_str(p, name);
		*p++ = '\n';
		fwrite(line, 1, (size_t)(p - line), af->fp);
	}
	free(line);
	if (ferror(af->fp)) {
		int saved = errno;
		atomic_abort(af);
		errno = saved;
		return -1;
	}
	return 0;
}

/* Control characters (and tabs) become spaces, as in tracks.tsv. */
static void put_clean(FILE *fp, const char *s)
{
	for (; *s; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s, fp);
}

static int write_challenge(const struct challenge *c, const char *path)
{
	struct atomic_file af;

	if (atomic_open(&af, path) != 0)
		return -1;
	fprintf(af.fp, "%s\n", CHALLENGE_TSV_HEADER);
	for (size_t i = 0; i < c->n; i++) {
		const struct ch_playlist *p = &c->pl[i];
		fprintf(af.fp, "%u\t%d\t%u\t%u\t%u\t%d\t", p->pid, p->category, p->num_samples,
		        p->num_holdouts, p->num_tracks, p->titled);
		put_clean(af.fp, p->name);
		fputc('\n', af.fp);
	}
	if (ferror(af.fp)) {
		int saved = errno;
		atomic_abort(&af);
		errno = saved;
		return -1;
	}
	return atomic_commit(&af);
}

int store_write(const struct mpd_store *st, const struct dataset *ds, const char *outdir,
                char *err, size_t errcap)
{
	char tpath[4096], ppath[4096], cpath[4096];
	struct atomic_file af;
	struct playlists pl;

	if (snprintf(tpath, sizeof tpath, "%s/tracks.tsv", outdir) >= (int)sizeof tpath ||
	    snprintf(ppath, sizeof ppath, "%s/playlists.bin", outdir) >= (int)sizeof ppath ||
	    snprintf(cpath, sizeof cpath, "%s/challenge.tsv", outdir) >= (int)sizeof cpath) {
		snprintf(err, errcap, "%s: path too long", outdir);
		return -1;
	}
	if (mkdir_p(outdir) != 0) {
		snprintf(err, errcap, "%s: cannot create folder: %s", outdir, strerror(errno));
		return -1;
	}
	/* tracks.tsv is renamed into place only after playlists.bin is complete. */
	if (write_tracks(st, ds, tpath, &af) != 0) {
		snprintf(err, errcap, "%s: cannot write: %s", tpath, strerror(errno));
		return -1;
	}
	pl.n_playlists = ds->n_playlists;
	pl.n_entries = ds->n_entries;
	pl.n_tracks = ds->n_tracks;
	pl.pid = ds->pid;
	pl.offsets = ds->offsets;
	pl.track = ds->track;
	if (playlists_write(ppath, &pl) != 0) {
		snprintf(err, errcap, "%s: cannot write: %s", ppath, strerror(errno));
		atomic_abort(&af);
		return -1;
	}
	/* challenge.tsv belongs to this playlists.bin: written with it, or
	 * removed so that no stale one describes it */
	if (st->challenge != NULL ? write_challenge(st->challenge, cpath) != 0
	                          : unlink(cpath) != 0 && errno != ENOENT) {
		snprintf(err, errcap, "%s: cannot %s: %s", cpath, st->challenge ? "write" : "remove",
		         strerror(errno));
		atomic_abort(&af);
		return -1;
	}
	if (atomic_commit(&af) != 0) {
		snprintf(err, errcap, "%s: cannot write: %s", tpath, strerror(errno));
		return -1;
	}
	return 0;
}

void store_merge(struct mpd_store *dst, const struct mpd_store *src)
{
	uint32_t *map = xmalloc((src->ids.n + 1) * sizeof *map);

	for (uint32_t k = 0; k < src->ids.n; k++) {
		const struct track_meta *m = &src->meta[k];
		uint32_t d = intern_track(dst, strset_key(&src->ids, k));

		if (m->first_pid < dst->meta[d].first_pid)
			set_meta(dst, d, m->first_pid, m->duration_ms, src->text + m->artist,
			         src->text + m->name, src->text + m->album);
		map[k] = d;
	}
	if (dst->want_uris) {
		for (uint32_t i = 0; i < src->artists.n; i++) {
			const char *key = strset_key(&src->artists, i);
			strset_intern(&dst->artists, key, strlen(key), NULL);
		}
		for (uint32_t i = 0; i < src->albums.n; i++) {
			const char *key = strset_key(&src->albums, i);
			strset_intern(&dst->albums, key, strlen(key), NULL);
		}
	}
	for (size_t p = 0; p < src->n_playlists; p++) {
		uint64_t n = src->start[p + 1] - src->start[p];
		size_t q = dst->n_playlists;

		reserve_playlist(dst, n);
		for (uint64_t e = src->start[p]; e < src->start[p + 1]; e++)
			dst->entries[dst->n_entries++] = map[src->entries[e]];
		dst->pid[q] = src->pid[p];
		dst->file[q] = dst->cur_file;
		dst->start[q + 1] = dst->n_entries;
		dst->n_playlists++;
	}
	free(map);
}
