/* tsv.h — tab-separated records, one per line.
 *
 * Writing: tsv_put() writes a field with every tab, CR, LF and other ASCII
 * control character replaced by a space, so a line is always one record and
 * `cut -f` works on it; tsv_put_escaped() instead writes \t \n \r \\ as
 * backslash escapes (for fields that must round-trip, e.g. messages), which
 * tsv_unescape() reverses.
 *
 * Reading: tsv_getline() reads one line of any length up to a cap (longer
 * lines are reported and skipped whole), strips the newline (and a CR before
 * it); tsv_split() cuts it in place at tabs. */
#ifndef DCUE_TSV_H
#define DCUE_TSV_H

#include <stddef.h>
#include <stdio.h>

int tsv_put(FILE *fp, const char *s);
int tsv_put_escaped(FILE *fp, const char *s);
/* In place; returns s. */
char *tsv_unescape(char *s);
/* Replace control characters in s (in place) by spaces; returns s. */
char *tsv_clean(char *s);

struct tsv_reader {
	FILE *fp;
	char *line;            /* the current line, NUL-terminated, no newline */
	size_t cap;
	size_t max_len;        /* lines longer than this are skipped (default 1 MiB) */
	unsigned long lineno;  /* 1-based number of the current line */
	unsigned long skipped_long;
};

void tsv_reader_init(struct tsv_reader *r, FILE *fp, size_t max_len);
/* 1: a line is in r->line; 0: end of file; -1: read error (errno set).
 * A line longer than max_len is skipped and counted in skipped_long; when
 * too_long is not NULL, *too_long is set to its line number instead and 2 is
 * returned so the caller can report it. */
int tsv_getline(struct tsv_reader *r, unsigned long *too_long);
void tsv_reader_free(struct tsv_reader *r);

/* Splits line at tabs into at most max fields; returns the field count
 * (the last field keeps any further tabs when there are more than max). */
int tsv_split(char *line, char **fields, int max);

#endif
