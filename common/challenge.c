/* challenge.c — see challenge.h. */
#define _POSIX_C_SOURCE 200809L
#include "challenge.h"
#include "ids.h"
#include "msg.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

const struct ch_category ch_categories[CH_CATEGORIES + 1] = {
	{ 0, 0, 0 },
	{ 0, 1, 0 },     /* 1 title only */
	{ 1, 1, 0 },     /* 2 title + first track */
	{ 5, 1, 0 },     /* 3 title + first 5 */
	{ 5, 0, 0 },     /* 4 first 5, no title */
	{ 10, 1, 0 },    /* 5 title + first 10 */
	{ 10, 0, 0 },    /* 6 first 10, no title */
	{ 25, 1, 0 },    /* 7 title + first 25 */
	{ 25, 1, 1 },    /* 8 title + 25 random */
	{ 100, 1, 0 },   /* 9 title + first 100 */
	{ 100, 1, 1 },   /* 10 title + 100 random */
};

char *read_whole_file(const char *path, size_t *len, char *err, size_t errcap)
{
	gzFile gz = gzopen(path, "rb");
	size_t n = 0, cap = 1 << 16;
	char *buf;
	int got, e;

	if (gz == NULL) {
		snprintf(err, errcap, "%s: %s", path, errno ? strerror(errno) : "cannot open");
		return NULL;
	}
	buf = xmalloc(cap + 1);
	for (;;) {
		if (cap - n < (1 << 16)) {
			if (cap > ((size_t)1 << 34)) {
				snprintf(err, errcap, "%s: larger than 16 GiB", path);
				goto fail;
			}
			cap *= 2;
			buf = xrealloc(buf, cap + 1);
		}
		got = gzread(gz, buf + n, (unsigned)(cap - n < (1u << 30) ? cap - n : 1u << 30));
		if (got < 0) {
			const char *m = gzerror(gz, &e);
			snprintf(err, errcap, "%s: %s", path, e == Z_ERRNO ? strerror(errno) : m);
			goto fail;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	/* gzread stops quietly at a truncated gzip stream; gzclose_r says so. */
	if ((e = gzclose_r(gz)) != Z_OK) {
		snprintf(err, errcap, "%s: %s", path,
		         e == Z_BUF_ERROR ? "truncated gzip stream" : "gzip error");
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
fail:
	gzclose_r(gz);
	free(buf);
	return NULL;
}

static void fmt(char *err, size_t errcap, const char *f, ...) __attribute__((format(printf, 3, 4)));

static void fmt(char *err, size_t errcap, const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	vsnprintf(err, errcap, f, ap);
	va_end(ap);
}

/* Integer field in [lo, hi]; 0, or -1 with *why set. */
static int get_int(json_t *o, const char *key, long long lo, long long hi, long long *out,
                   const char **why)
{
	json_t *v = json_object_get(o, key);

	if (v == NULL) {
		*why = "missing";
		return -1;
	}
	if (!json_is_integer(v)) {
		*why = "not an integer";
		return -1;
	}
	*out = json_integer_value(v);
	if (*out < lo || *out > hi) {
		*why = "out of range";
		return -1;
	}
	return 0;
}

static const char *get_str(json_t *o, const char *key, int required, const char **why)
{
	json_t *v = json_object_get(o, key);

	if (v == NULL) {
		*why = required ? "missing" : NULL;
		return required ? NULL : "";
	}
	if (!json_is_string(v)) {
		*why = "not a string";
		return NULL;
	}
	return json_string_value(v);
}

/* One track object.  full: every MPD track field is required. */
static int parse_track(json_t *t, struct ch_track *out, int full, char *msg, size_t cap)
{
	static const char *const skeys[] = { "track_uri", "artist_uri", "album_uri",
	                                     "artist_name", "track_name", "album_name" };
	const char *s[6], *why = NULL, *id;
	long long v = 0;

	if (!json_is_object(t)) {
		fmt(msg, cap, "is not an object");
		return -1;
	}
	for (int i = 0; i < 6; i++) {
		s[i] = get_str(t, skeys[i], full || i < 2, &why);
		if (s[i] == NULL) {
			fmt(msg, cap, "field '%s' %s", skeys[i], why);
			return -1;
		}
	}
	id = track_id_from_uri(s[0]);
	if (id == NULL) {
		fmt(msg, cap, "track_uri is not spotify:track: followed by 22 base62 characters");
		return -1;
	}
	memcpy(out->id, id, TRACK_ID_LEN);
	out->id[TRACK_ID_LEN] = '\0';
	out->track_uri = s[0], out->artist_uri = s[1], out->album_uri = s[2];
	out->artist = s[3], out->name = s[4], out->album = s[5];
	out->duration_ms = 0;
	if (full || json_object_get(t, "duration_ms") != NULL) {
		if (get_int(t, "duration_ms", 0, UINT32_MAX, &v, &why) != 0) {
			fmt(msg, cap, "field 'duration_ms' %s", why);
			return -1;
		}
		out->duration_ms = (uint32_t)v;
	}
	out->pos = 0;
	if (full) {
		if (get_int(t, "pos", 0, UINT32_MAX - 1, &v, &why) != 0) {
			fmt(msg, cap, "field 'pos' %s", why);
			return -1;
		}
		out->pos = (uint32_t)v;
	}
	return 0;
}

int challenge_category(uint32_t n_seeds, int titled, const uint32_t *pos)
{
	int prefix = 1;

	for (uint32_t i = 0; i < n_seeds; i++)
		prefix &= pos[i] == i;
	for (int c = 1; c <= CH_CATEGORIES; c++) {
		const struct ch_category *k = &ch_categories[c];
		if (k->seeds != n_seeds || k->titled != titled)
			continue;
		/* 25 or 100 seeds: prefix → first-k category, otherwise random */
		if (c == 7 || c == 9) {
			if (prefix)
				return c;
			continue;
		}
		return c;
	}
	return 0;
}

static const struct ch_playlist *sort_pl;

static int by_pid(const void *a, const void *b)
{
	uint32_t x = sort_pl[*(const uint32_t *)a].pid, y = sort_pl[*(const uint32_t *)b].pid;

	return (x > y) - (x < y);
}

/* Sorts an index by pid; -1 (and the repeated pid in *dup) when a pid repeats. */
static int index_pids(const struct ch_playlist *pl, size_t n, uint32_t **out, uint32_t *dup)
{
	uint32_t *ix = xmalloc((n + 1) * sizeof *ix);

	for (size_t i = 0; i < n; i++)
		ix[i] = (uint32_t)i;
	sort_pl = pl;
	qsort(ix, n, sizeof *ix, by_pid);
	for (size_t i = 1; i < n; i++)
		if (pl[ix[i]].pid == pl[ix[i - 1]].pid) {
			*dup = pl[ix[i]].pid;
			free(ix);
			return -1;
		}
	*out = ix;
	return 0;
}

static const struct ch_playlist *find_pid(const struct ch_playlist *pl, const uint32_t *ix,
                                          size_t n, uint32_t pid)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (pl[ix[mid]].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && pl[ix[lo]].pid == pid ? &pl[ix[lo]] : NULL;
}

static json_t *load_json(const char *path, char *err, size_t errcap)
{
	size_t len;
	char *buf = read_whole_file(path, &len, err, errcap);
	json_error_t je;
	json_t *root;

	if (buf == NULL)
		return NULL;
	root = json_loadb(buf, len, JSON_ALLOW_NUL, &je);
	free(buf);
	if (root == NULL) {
		fmt(err, errcap, "%s: invalid JSON at line %d, column %d (byte %d): %s", path,
		    je.line, je.column, je.position, je.text);
		return NULL;
	}
	if (!json_is_object(root) || !json_is_array(json_object_get(root, "playlists"))) {
		fmt(err, errcap, "%s: not an object with a 'playlists' array", path);
		json_decref(root);
		return NULL;
	}
	return root;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

static void free_pl(struct ch_playlist *pl, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(pl[i].tracks);
	free(pl);
}

/* Reads the playlists array; full: the challenge file's fields. */
static int read_playlists(const char *path, json_t *arr, int full, struct ch_playlist **out,
                          size_t *np, char *err, size_t errcap)
{
	size_t n = json_array_size(arr);
	struct ch_playlist *pl = xcalloc(n + 1, sizeof *pl);
	char msg[300];
	const char *why = NULL;

	for (size_t i = 0; i < n; i++) {
		json_t *o = json_array_get(arr, i), *tr, *name;
		struct ch_playlist *p = &pl[i];
		long long v;

		if (!json_is_object(o)) {
			fmt(err, errcap, "%s: playlist %zu is not an object", path, i);
			goto fail;
		}
		if (get_int(o, "pid", 0, UINT32_MAX - 1, &v, &why) != 0) {
			fmt(err, errcap, "%s: playlist %zu: field 'pid' %s", path, i, why);
			goto fail;
		}
		p->pid = (uint32_t)v;
		name = json_object_get(o, "name");
		if (name != NULL && !json_is_string(name)) {
			fmt(err, errcap, "%s: pid %u: field 'name' is not a string", path, p->pid);
			goto fail;
		}
		p->titled = name != NULL;
		p->name = name != NULL ? json_string_value(name) : "";
		tr = json_object_get(o, "tracks");
		if (!json_is_array(tr)) {
			fmt(err, errcap, "%s: pid %u: field 'tracks' %s", path, p->pid,
			    tr == NULL ? "missing" : "is not an array");
			goto fail;
		}
		p->n_tracks = json_array_size(tr);
		p->tracks = xcalloc(p->n_tracks + 1, sizeof *p->tracks);
		for (size_t k = 0; k < p->n_tracks; k++) {
			if (parse_track(json_array_get(tr, k), &p->tracks[k], full, msg, sizeof msg) != 0) {
				fmt(err, errcap, "%s: pid %u: track %zu: %s", path, p->pid, k, msg);
				goto fail;
			}
			if (!full)
				p->tracks[k].pos = (uint32_t)k;
		}
		if (!full)
			continue;
		static const char *const ikeys[] = { "num_tracks", "num_samples", "num_holdouts" };
		long long iv[3];
		for (int k = 0; k < 3; k++)
			if (get_int(o, ikeys[k], 0, UINT32_MAX - 1, &iv[k], &why) != 0) {
				fmt(err, errcap, "%s: pid %u: field '%s' %s", path, p->pid, ikeys[k], why);
				goto fail;
			}
		p->num_tracks = (uint32_t)iv[0], p->num_samples = (uint32_t)iv[1];
		p->num_holdouts = (uint32_t)iv[2];
		if (p->num_samples != p->n_tracks) {
			fmt(err, errcap, "%s: pid %u: num_samples is %u but 'tracks' holds %zu", path,
			    p->pid, p->num_samples, p->n_tracks);
			goto fail;
		}
		if ((uint64_t)p->num_samples + p->num_holdouts != p->num_tracks) {
			fmt(err, errcap, "%s: pid %u: num_samples + num_holdouts (%u + %u) is not "
			    "num_tracks (%u)", path, p->pid, p->num_samples, p->num_holdouts,
			    p->num_tracks);
			goto fail;
		}
		uint32_t *pos = xmalloc((2 * p->n_tracks + 1) * sizeof *pos), *sorted = pos + p->n_tracks;
		for (size_t k = 0; k < p->n_tracks; k++) {
			pos[k] = sorted[k] = p->tracks[k].pos;
			if (pos[k] >= p->num_tracks) {
				fmt(err, errcap, "%s: pid %u: track %zu: pos %u is not below num_tracks (%u)",
				    path, p->pid, k, pos[k], p->num_tracks);
				free(pos);
				goto fail;
			}
		}
		qsort(sorted, p->n_tracks, sizeof *sorted, cmp_u32);
		for (size_t k = 1; k < p->n_tracks; k++)
			if (sorted[k] == sorted[k - 1]) {
				fmt(err, errcap, "%s: pid %u: pos %u is repeated", path, p->pid, sorted[k]);
				free(pos);
				goto fail;
			}
		p->category = challenge_category(p->num_samples, p->titled, pos);
		free(pos);
		if (p->category == 0) {
			fmt(err, errcap, "%s: pid %u: %u seeds %s a name fit none of the 10 "
			    "categories (0 or 1 with a name; 5 or 10; 25 or 100 with a name)", path,
			    p->pid, p->num_samples, p->titled ? "with" : "without");
			goto fail;
		}
		if (p->num_holdouts == 0) {
			fmt(err, errcap, "%s: pid %u: no held-out tracks (num_holdouts 0)", path, p->pid);
			goto fail;
		}
	}
	*out = pl;
	*np = n;
	return 0;
fail:
	free_pl(pl, n);
	return -1;
}

int challenge_read(const char *path, struct challenge *c, char *err, size_t errcap)
{
	json_t *root = load_json(path, err, errcap);
	uint32_t dup;

	memset(c, 0, sizeof *c);
	if (root == NULL)
		return -1;
	if (read_playlists(path, json_object_get(root, "playlists"), 1, &c->pl, &c->n, err,
	                   errcap) != 0) {
		json_decref(root);
		return -1;
	}
	if (index_pids(c->pl, c->n, &c->by_pid, &dup) != 0) {
		fmt(err, errcap, "%s: pid %u: appears twice", path, dup);
		free_pl(c->pl, c->n);
		json_decref(root);
		memset(c, 0, sizeof *c);
		return -1;
	}
	c->root = root;
	return 0;
}

void challenge_free(struct challenge *c)
{
	if (c->pl != NULL)
		free_pl(c->pl, c->n);
	free(c->by_pid);
	if (c->root != NULL)
		json_decref(c->root);
	memset(c, 0, sizeof *c);
}

const struct ch_playlist *challenge_find(const struct challenge *c, uint32_t pid)
{
	return find_pid(c->pl, c->by_pid, c->n, pid);
}

int mpdjson_read(const char *path, struct mpdjson *m, char *err, size_t errcap)
{
	json_t *root = load_json(path, err, errcap);
	uint32_t dup;

	memset(m, 0, sizeof *m);
	if (root == NULL)
		return -1;
	if (read_playlists(path, json_object_get(root, "playlists"), 0, &m->pl, &m->n, err,
	                   errcap) != 0) {
		json_decref(root);
		return -1;
	}
	if (index_pids(m->pl, m->n, &m->by_pid, &dup) != 0) {
		fmt(err, errcap, "%s: pid %u: appears twice", path, dup);
		free_pl(m->pl, m->n);
		json_decref(root);
		memset(m, 0, sizeof *m);
		return -1;
	}
	m->root = root;
	return 0;
}

void mpdjson_free(struct mpdjson *m)
{
	if (m->pl != NULL)
		free_pl(m->pl, m->n);
	free(m->by_pid);
	if (m->root != NULL)
		json_decref(m->root);
	memset(m, 0, sizeof *m);
}

const struct ch_playlist *mpdjson_find(const struct mpdjson *m, uint32_t pid)
{
	return find_pid(m->pl, m->by_pid, m->n, pid);
}
