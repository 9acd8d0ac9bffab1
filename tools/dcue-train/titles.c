/* titles.c — see titles.h.  The slices are read whole with jansson
 * (common/challenge.h's mpdjson_read), one at a time: memory is one slice
 * plus the names kept. */
#define _POSIX_C_SOURCE 200809L
#include "titles.h"
#include "challenge.h"
#include "playlists.h"
#include "slices.h"
#include "msg.h"
#include "topk.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *title_normalize(char *s)
{
	char *w = s;
	int space = 1;   /* drops leading spaces */

	for (const char *r = s; *r != '\0'; r++) {
		unsigned char c = (unsigned char)*r;
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		else if (c < 0x80 && !(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9'))
			c = ' ';
		if (c == ' ') {
			if (!space)
				*w++ = ' ';
			space = 1;
		} else {
			*w++ = (char)c;
			space = 0;
		}
	}
	if (w > s && w[-1] == ' ')
		w--;
	*w = '\0';
	return s;
}

struct entry { char *norm; uint32_t row; };

static int by_name(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int d = strcmp(x->norm, y->norm);
	return d != 0 ? d : (x->row > y->row) - (x->row < y->row);
}

void titles_load(struct titles *t, const char *path, const struct playlists *pl, size_t P,
                 const uint8_t *skip)
{
	size_t n = 0, cap = 0;
	struct slices files = { 0 };
	struct entry *en = NULL;
	char err[1024];

	memset(t, 0, sizeof *t);
	slices_collect(&files, path);
	for (size_t f = 0; f < files.n; f++) {
		struct mpdjson mj;
		if (mpdjson_read(files.v[f], &mj, err, sizeof err) != 0)
			diex(EXIT_WORK, "%s", err);
		for (size_t i = 0; i < mj.n; i++) {
			const struct ch_playlist *p = &mj.pl[i];
			if (!p->titled)
				continue;
			long lo = playlists_row(pl->pid, P, p->pid);   /* the model's row */
			if (lo < 0 || (skip != NULL && skip[lo]))
				continue;
			if (n == cap) {
				cap = cap ? 2 * cap : 1024;
				struct entry *g = realloc(en, cap * sizeof *en);
				if (g == NULL)
					die(EXIT_WORK, "out of memory");
				en = g;
			}
			en[n].norm = title_normalize(strdup(p->name));
			if (en[n].norm == NULL)
				die(EXIT_WORK, "out of memory");
			en[n++].row = (uint32_t)lo;
		}
		mpdjson_free(&mj);
	}
	slices_free(&files);
	qsort(en, n, sizeof *en, by_name);
	t->n = n;
	t->norm = xmalloc((n + 1) * sizeof(char *));
	t->row = xmalloc((n + 1) * sizeof(uint32_t));
	for (size_t i = 0; i < n; i++) {
		t->norm[i] = en[i].norm;
		t->row[i] = en[i].row;
	}
	free(en);
}

void titles_free(struct titles *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->norm[i]);
	free(t->norm);
	free(t->row);
	memset(t, 0, sizeof *t);
}

size_t titles_vector(const struct titles *t, const struct model *m, const char *title, float *u)
{
	size_t E = m->cfg.embedding, lo = 0, hi = t->n, first, count;
	char *want = title_normalize(strdup(title));

	if (want == NULL)
		die(EXIT_WORK, "out of memory");
	while (lo < hi) {   /* the first entry >= want */
		size_t mid = (lo + hi) / 2;
		if (strcmp(t->norm[mid], want) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	first = lo;
	for (count = 0; want[0] != '\0' && first + count < t->n &&
	     strcmp(t->norm[first + count], want) == 0; count++)
		;
	free(want);
	if (count == 0)
		return 0;
	struct workspace ws;
	int B = 64;
	float *inv = xmalloc((size_t)B * sizeof(float));
	workspace_init(&ws, m, 1, B);
	memset(u, 0, E * sizeof(float));
	for (size_t i0 = 0; i0 < count; i0 += (size_t)B) {
		int b = (int)(count - i0 < (size_t)B ? count - i0 : (size_t)B);
		for (int i = 0; i < b; i++)
			ws.pidx[i] = (int)t->row[first + i0 + (size_t)i];
		model_playlists_forward(m, &ws, b);
		cosine_inv_norms(ws.u, (size_t)b, E, inv);
		for (int i = 0; i < b; i++)
			for (size_t e = 0; e < E; e++)
				u[e] += ws.u[(size_t)i * E + e] * inv[i];
	}
	workspace_free(&ws);
	free(inv);
	return count;
}
