/* tsv.c — see tsv.h. */
#define _POSIX_C_SOURCE 200809L
#include "tsv.h"
#include "msg.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int is_ctrl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

int tsv_put(FILE *fp, const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *run = p;

	/* Clean runs are written whole; each control character becomes a space. */
	for (;; p++) {
		if (*p != '\0' && !is_ctrl(*p))
			continue;
		if (p > run && fwrite(run, 1, (size_t)(p - run), fp) != (size_t)(p - run))
			return -1;
		if (*p == '\0')
			return 0;
		if (putc(' ', fp) == EOF)
			return -1;
		run = p + 1;
	}
}

int tsv_put_escaped(FILE *fp, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		const char *esc = NULL;
		switch (*p) {
		case '\t': esc = "\\t"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\\': esc = "\\\\"; break;
		}
		if (esc != NULL) {
			if (fputs(esc, fp) == EOF)
				return -1;
		} else if (putc(is_ctrl(*p) ? ' ' : *p, fp) == EOF) {
			return -1;
		}
	}
	return 0;
}

char *tsv_unescape(char *s)
{
	char *w = s;

	for (char *r = s; *r; r++) {
		if (*r == '\\' && r[1] != '\0') {
			r++;
			switch (*r) {
			case 't': *w++ = '\t'; break;
			case 'n': *w++ = '\n'; break;
			case 'r': *w++ = '\r'; break;
			default: *w++ = *r; break;
			}
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
	return s;
}

char *tsv_clean(char *s)
{
	for (unsigned char *p = (unsigned char *)s; *p; p++)
		if (is_ctrl(*p))
			*p = ' ';
	return s;
}

void tsv_reader_init(struct tsv_reader *r, FILE *fp, size_t max_len)
{
	memset(r, 0, sizeof *r);
	r->fp = fp;
	r->max_len = max_len ? max_len : (size_t)1 << 20;
	r->cap = 256;
	r->line = xmalloc(r->cap);
}

int tsv_getline(struct tsv_reader *r, unsigned long *too_long)
{
	for (;;) {
		size_t len = 0;
		int c, overflow = 0;

		while ((c = getc(r->fp)) != EOF && c != '\n') {
			if (len >= r->max_len) {
				overflow = 1;
				continue;          /* drain the rest of the line */
			}
			if (len + 1 >= r->cap) {
				r->cap *= 2;
				r->line = xrealloc(r->line, r->cap);
			}
			r->line[len++] = (char)c;
		}
		if (c == EOF && ferror(r->fp))
			return -1;
		if (c == EOF && len == 0 && !overflow)
			return 0;
		r->lineno++;
		if (overflow) {
			r->skipped_long++;
			if (too_long != NULL) {
				*too_long = r->lineno;
				r->line[0] = '\0';
				return 2;
			}
			continue;
		}
		if (len > 0 && r->line[len - 1] == '\r')
			len--;
		r->line[len] = '\0';
		return 1;
	}
}

void tsv_reader_free(struct tsv_reader *r)
{
	free(r->line);
	r->line = NULL;
}

int tsv_split(char *line, char **fields, int max)
{
	int n = 0;
	char *p = line;

	if (max <= 0)
		return 0;
	for (;;) {
		fields[n++] = p;
		if (n == max)
			break;
		p = strchr(p, '\t');
		if (p == NULL)
			break;
		*p++ = '\0';
	}
	return n;
}
