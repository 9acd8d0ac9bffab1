/* tracks.c — see tracks.h. */
#define _POSIX_C_SOURCE 200809L
#include "tracks.h"
#include "ids.h"
#include "tsv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *slurp(const char *path, size_t *len, char *err, size_t errcap)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (fp == NULL) {
		snprintf(err, errcap, "%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		if (cap - n < 65536) {
			cap = cap ? cap * 2 : 1 << 16;
			char *nb = realloc(buf, cap + 1);
			if (nb == NULL) {
				snprintf(err, errcap, "%s: out of memory", path);
				goto fail;
			}
			buf = nb;
		}
		size_t got = fread(buf + n, 1, cap - n, fp);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(fp)) {
		snprintf(err, errcap, "%s: read error: %s", path, strerror(errno));
		goto fail;
	}
	fclose(fp);
	buf[n] = '\0';
	*len = n;
	return buf;
fail:
	free(buf);
	fclose(fp);
	return NULL;
}

static int parse_u32(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > UINT32_MAX || *s == '-')
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int tracks_read(const char *path, struct tracks *t, char *err, size_t errcap)
{
	size_t len, lines = 0, row = 0;
	unsigned long lineno = 0;
	char *p;

	memset(t, 0, sizeof *t);
	t->pool = slurp(path, &len, err, errcap);
	if (t->pool == NULL)
		return -1;
	for (size_t i = 0; i < len; i++) {
		/* the rows are cut at NULs below: one inside would drop the rest */
		if (t->pool[i] == '\0') {
			snprintf(err, errcap, "%s:%zu: NUL byte (not a text file)", path, lines + 1);
			free(t->pool);
			t->pool = NULL;
			return -1;
		}
		lines += t->pool[i] == '\n';
	}
	lines++;
	t->id = calloc(lines, sizeof *t->id);
	t->artist = calloc(lines, sizeof *t->artist);
	t->title = calloc(lines, sizeof *t->title);
	t->album = calloc(lines, sizeof *t->album);
	t->duration_ms = calloc(lines, sizeof *t->duration_ms);
	t->count = calloc(lines, sizeof *t->count);
	if (!t->id || !t->artist || !t->title || !t->album || !t->duration_ms || !t->count) {
		snprintf(err, errcap, "%s: out of memory", path);
		goto fail;
	}
	for (p = t->pool; *p; ) {
		char *nl = strchr(p, '\n'), *f[TRACKS_NCOLS + 1];
		int nf;

		if (nl != NULL) {
			*nl = '\0';
			if (nl > p && nl[-1] == '\r')
				nl[-1] = '\0';         /* a file that went through a CRLF editor */
		}
		lineno++;
		if (*p == '#' || *p == '\0')
			goto next;
		nf = tsv_split(p, f, TRACKS_NCOLS + 1);
		if (nf < TRACKS_NCOLS) {
			snprintf(err, errcap, "%s:%lu: expected %d tab-separated fields, found %d",
			         path, lineno, TRACKS_NCOLS, nf);
			goto fail;
		}
		if (!track_id_valid(f[0])) {
			snprintf(err, errcap, "%s:%lu: invalid track id '%.40s'", path, lineno, f[0]);
			goto fail;
		}
		if (parse_u32(f[4], &t->duration_ms[row]) != 0 || parse_u32(f[5], &t->count[row]) != 0) {
			snprintf(err, errcap, "%s:%lu: duration_ms and count must be integers", path, lineno);
			goto fail;
		}
		memcpy(t->id[row], f[0], 23);
		t->artist[row] = f[1];
		t->title[row] = f[2];
		t->album[row] = f[3];
		row++;
next:
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	t->n = row;
	return 0;
fail:
	tracks_free(t);
	return -1;
}

void tracks_free(struct tracks *t)
{
	free(t->id);
	free(t->artist);
	free(t->title);
	free(t->album);
	free(t->duration_ms);
	free(t->count);
	free(t->pool);
	memset(t, 0, sizeof *t);
}
