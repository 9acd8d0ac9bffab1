/* score_submission.c — reading a RecSys Challenge 2018 submission: another
 * team's file, so untrusted.  Plain or gzip (zlib), read in bounded lines
 * (1 MiB), NUL bytes refused, pids parsed digit by digit, at most 501
 * fields split per line, and text quoted in messages made printable.  See
 * docs/dcue-train.md#score. */
#define _POSIX_C_SOURCE 200809L
#include "score_impl.h"
#include "ids.h"
#include "msg.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define LINE_MAX_BYTES (1u << 20)   /* 500 URIs take ~19 kB */

struct lines {
	const char *path;
	gzFile gz;
	char *buf;             /* [LINE_MAX_BYTES + 1] */
	size_t start, end;
	int eof;
	unsigned long long lineno;
	char *err;             /* [errcap] the message of the first fault */
	size_t errcap;
};

static int fail(struct lines *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Sets the message and returns -1. */
static int fail(struct lines *l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(l->err, l->errcap, fmt, ap);
	va_end(ap);
	return -1;
}

/* 1 with the next line (NUL-terminated, no '\n' or '\r'), 0 at the end,
 * -1 with l->err set on a fault. */
static int next_line(struct lines *l, char **line, size_t *len)
{
	for (;;) {
		char *nl = memchr(l->buf + l->start, '\n', l->end - l->start);
		if (nl != NULL || (l->eof && l->end > l->start)) {
			size_t n = nl ? (size_t)(nl - (l->buf + l->start)) : l->end - l->start;
			*line = l->buf + l->start;
			l->start += n + (nl != NULL);
			l->lineno++;
			if (n > 0 && (*line)[n - 1] == '\r')
				n--;
			(*line)[n] = '\0';
			if (memchr(*line, '\0', n) != NULL)
				return fail(l, "%s: line %llu: a NUL byte (not a text file?)", l->path,
				            l->lineno);
			*len = n;
			return 1;
		}
		if (l->eof)
			return 0;
		if (l->start > 0) {
			memmove(l->buf, l->buf + l->start, l->end - l->start);
			l->end -= l->start;
			l->start = 0;
		}
		if (l->end == LINE_MAX_BYTES)
			return fail(l, "%s: line %llu is longer than %u bytes", l->path, l->lineno + 1,
			            LINE_MAX_BYTES);
		int got = gzread(l->gz, l->buf + l->end, (unsigned)(LINE_MAX_BYTES - l->end));
		if (got < 0) {
			int e;
			const char *m = gzerror(l->gz, &e);
			return fail(l, "%s: %s", l->path, e == Z_ERRNO ? strerror(errno) : m);
		}
		if (got == 0) {
			int e;
			gzerror(l->gz, &e);
			if (e == Z_BUF_ERROR)       /* the gzip stream ends early */
				return fail(l, "%s: truncated gzip stream (after line %llu)", l->path,
				            l->lineno);
			l->eof = 1;
		}
		l->end += (size_t)got;
	}
}

/* A printable excerpt of untrusted text: at most 40 bytes, others as \xNN. */
static const char *excerpt(const char *s, size_t n, char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i < n && i < 40 && o + 5 < cap; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f && c != '\'')
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
	}
	if (n > 40 && o + 4 < cap)
		memcpy(out + o, "...", 3), o += 3;
	out[o] = '\0';
	return out;
}

static int cmp_id22(const void *a, const void *b)
{
	return memcmp(*(const char *const *)a, *(const char *const *)b, TRACK_ID_LEN);
}

/* Splits line at ',' into at most cap fields (pointers, lengths); returns
 * the count, or cap + 1 when there are more. */
static size_t split_csv(char *line, size_t len, char **f, size_t *fl, size_t cap)
{
	size_t n = 0;
	char *p = line, *end = line + len;

	for (;;) {
		char *c = memchr(p, ',', (size_t)(end - p));
		if (n == cap)
			return cap + 1;
		f[n] = p;
		fl[n++] = c ? (size_t)(c - p) : (size_t)(end - p);
		if (c == NULL)
			return n;
		p = c + 1;
	}
}

int read_submission(struct scorer *s, struct run *r, const char *path, char *err,
                    size_t errcap)
{
	struct lines l = { path, NULL, NULL, 0, 0, 0, 0, err, errcap };
	char *line = NULL, *f[SCORE_K + 2], x[200];
	size_t len = 0, fl[SCORE_K + 2], team = 0;
	unsigned char *seen;
	int64_t rec[SCORE_K];
	const char *ids[SCORE_K];
	int got, rc = -1;

	l.gz = strcmp(path, "-") == 0 ? gzdopen(0, "rb") : gzopen(path, "rb");
	if (l.gz == NULL)
		return fail(&l, "%s: %s", path, strerror(errno));
	seen = xcalloc(s->ch.n + 1, 1);
	l.buf = xmalloc(LINE_MAX_BYTES + 1);
	while ((got = next_line(&l, &line, &len)) > 0) {
		if (line[0] == '#' || len == 0)
			continue;
		size_t nf = split_csv(line, len, f, fl, SCORE_K + 1);
		if (!team) {
			if (nf < 3 || fl[0] != 9 || memcmp(f[0], "team_info", 9) != 0) {
				fail(&l, "%s: line %llu: the first line that is not a comment must be "
				     "team_info,NAME,ADDR, not '%s'", path, l.lineno, excerpt(line, len, x, sizeof x));
				goto out;
			}
			team = 1;
			continue;
		}
		/* pid: decimal digits, a challenge pid */
		unsigned long long pid = 0;
		int ok = fl[0] > 0 && fl[0] <= 10;
		for (size_t k = 0; ok && k < fl[0]; k++) {
			ok = f[0][k] >= '0' && f[0][k] <= '9';
			pid = pid * 10 + (unsigned)(f[0][k] - '0');
		}
		if (!ok || pid >= UINT32_MAX) {
			fail(&l, "%s: line %llu: '%s' is not a pid", path, l.lineno,
			     excerpt(f[0], fl[0], x, sizeof x));
			goto out;
		}
		const struct ch_playlist *p = challenge_find(&s->ch, (uint32_t)pid);
		if (p == NULL) {
			fail(&l, "%s: line %llu: pid %llu is not in the challenge set", path, l.lineno, pid);
			goto out;
		}
		size_t i = (size_t)(p - s->ch.pl);
		if (seen[i]) {
			fail(&l, "%s: line %llu: pid %llu appears a second time", path, l.lineno, pid);
			goto out;
		}
		seen[i] = 1;
		if (nf != SCORE_K + 1) {
			fail(&l, "%s: line %llu: pid %llu: %s%zu tracks, not %d", path, l.lineno, pid,
			     nf > SCORE_K + 1 ? "more than " : "", nf > SCORE_K + 1 ? (size_t)SCORE_K : nf - 1,
			     SCORE_K);
			goto out;
		}
		for (size_t k = 0; k < SCORE_K; k++) {
			char *u = f[k + 1];
			size_t ul = fl[k + 1];
			while (ul > 0 && u[0] == ' ')
				u++, ul--;
			while (ul > 0 && u[ul - 1] == ' ')
				ul--;
			u[ul] = '\0';       /* the ',' or the line's end */
			const char *id = track_id_from_uri(u);
			if (id == NULL) {
				fail(&l, "%s: line %llu: pid %llu: track %zu '%s' is not spotify:track: "
				     "followed by 22 base62 characters", path, l.lineno, pid, k + 1,
				     excerpt(u, ul, x, sizeof x));
				goto out;
			}
			ids[k] = id;
			rec[k] = strtab_get(&s->cat.tracks, id, TRACK_ID_LEN, 0);
			if (rec[k] >= 0 && score_in_sorted(s->tg[i].seeds, s->tg[i].n_seeds, rec[k])) {
				fail(&l, "%s: line %llu: pid %llu: track %zu (%s) is one of the playlist's "
				     "seeds", path, l.lineno, pid, k + 1, id);
				goto out;
			}
		}
		const char *sorted[SCORE_K];
		memcpy(sorted, ids, sizeof sorted);
		qsort(sorted, SCORE_K, sizeof *sorted, cmp_id22);
		for (size_t k = 1; k < SCORE_K; k++)
			if (memcmp(sorted[k], sorted[k - 1], TRACK_ID_LEN) == 0) {
				fail(&l, "%s: line %llu: pid %llu: track %.22s is listed twice", path,
				     l.lineno, pid, sorted[k]);
				goto out;
			}
		score_playlist(s, r, i, rec, SCORE_K);
	}
	if (got < 0)
		goto out;
	int closed = gzclose_r(l.gz);
	l.gz = NULL;
	if (closed != Z_OK && !l.eof) {
		fail(&l, "%s: read error", path);
		goto out;
	}
	if (!team) {
		fail(&l, "%s: no team_info line (and no playlists)", path);
		goto out;
	}
	size_t missing = 0, first = 0;
	for (size_t i = 0; i < s->ch.n; i++)
		if (!seen[i] && missing++ == 0)
			first = i;
	if (missing) {
		fail(&l, "%s: pid %u is missing from the submission (%zu of the %zu challenge "
		     "playlists are missing)", path, s->ch.pl[first].pid, missing, s->ch.n);
		goto out;
	}
	rc = 0;
out:
	if (l.gz != NULL)
		gzclose_r(l.gz);
	free(seen);
	free(l.buf);
	return rc;
}
