/* score_data.c — the catalogue of dcue-train score: track ids and artist
 * URIs as dense ids.  See score_impl.h. */
#include "score_impl.h"
#include "ids.h"
#include "msg.h"

#include <stdlib.h>
#include <string.h>

static uint64_t hash_str(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

static void strtab_grow(struct strtab *t)
{
	size_t ns = t->nslot ? 2 * t->nslot : 1024;
	uint32_t *slot = xcalloc(ns, sizeof *slot);

	for (size_t i = 0; i < t->n; i++) {
		size_t h = hash_str(t->key[i], strlen(t->key[i])) & (ns - 1);
		while (slot[h])
			h = (h + 1) & (ns - 1);
		slot[h] = (uint32_t)i + 1;
	}
	free(t->slot);
	t->slot = slot;
	t->nslot = ns;
}

int64_t strtab_get(struct strtab *t, const char *s, size_t n, int add)
{
	size_t h;

	if (t->nslot == 0 || 2 * (t->n + 1) > t->nslot) {
		if (!add && t->nslot == 0)
			return -1;
		if (add)
			strtab_grow(t);
	}
	h = hash_str(s, n) & (t->nslot - 1);
	while (t->slot[h]) {
		const char *k = t->key[t->slot[h] - 1];
		if (strncmp(k, s, n) == 0 && k[n] == '\0')
			return t->slot[h] - 1;
		h = (h + 1) & (t->nslot - 1);
	}
	if (!add)
		return -1;
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 1024;
		t->key = xrealloc(t->key, t->cap * sizeof *t->key);
	}
	t->key[t->n] = xmalloc(n + 1);
	memcpy(t->key[t->n], s, n);
	t->key[t->n][n] = '\0';
	t->slot[h] = (uint32_t)t->n + 1;
	return (int64_t)t->n++;
}

void strtab_free(struct strtab *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->key[i]);
	free(t->key);
	free(t->slot);
	memset(t, 0, sizeof *t);
}

int64_t cat_track(struct catalogue *c, const char *id, const char *artist_uri)
{
	size_t before = c->tracks.n;
	int64_t t = strtab_get(&c->tracks, id, TRACK_ID_LEN, 1);

	if (c->tracks.n > before) {
		if (c->tracks.n > c->cap) {
			c->cap = c->cap ? 2 * c->cap : 4096;
			c->artist_of = xrealloc(c->artist_of, c->cap * sizeof *c->artist_of);
		}
		c->artist_of[t] = -1;
	}
	if (artist_uri != NULL && *artist_uri != '\0' && c->artist_of[t] < 0)
		c->artist_of[t] = strtab_get(&c->artists, artist_uri, strlen(artist_uri), 1);
	return t;
}

void cat_free(struct catalogue *c)
{
	strtab_free(&c->tracks);
	strtab_free(&c->artists);
	free(c->artist_of);
	memset(c, 0, sizeof *c);
}
