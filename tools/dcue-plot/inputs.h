/* inputs.h — the text files dcue-plot draws from, read and validated.
 *
 * Every dcue text output that dcue-plot reads is a TSV with a first line
 * "# name<TAB>name..." (metrics, reports, histograms) or a list of
 * "key value" / "key: value" lines (mel-stats, mpd-parse stats).  A table
 * keeps the column names and the rows' fields as strings; callers pick
 * columns by name, so a producer adding a column breaks nothing. */
#ifndef DCUE_PLOT_INPUTS_H
#define DCUE_PLOT_INPUTS_H

#include <stddef.h>

struct table {
	const char *path;
	int ncols;
	char **names;          /* [ncols] */
	size_t nrows;
	char ***rows;          /* [nrows][ncols] pointers into the file's text */
	unsigned long *lineno; /* [nrows] 1-based line of each row */
	char *text;
};

struct kv {
	const char *path;
	size_t n;
	char **key, **value;   /* [n] */
	char *text;
};

/* What a file holds, judged by its first bytes. */
enum input_kind {
	IN_UNKNOWN, IN_METRICS, IN_MELHIST, IN_REPORT, IN_PERPLAYLIST,
	IN_MPDHIST, IN_KV, IN_MEL, IN_CKPT, IN_BINARY
};

enum input_kind input_sniff(const char *path);
const char *input_kind_name(enum input_kind k);

/* 0, or -1 after a message naming the file (and line). */
int table_read(const char *path, struct table *t);
/* The same from text already in memory (taken over, freed by table_free). */
int table_parse(const char *path, char *text, struct table *t);
/* A dcue-train checkpoint's metric history, as the metrics TSV's table. */
int ckpt_history_read(const char *path, struct table *t);
void table_free(struct table *t);
/* Column index of name, or -1. */
int table_col(const struct table *t, const char *name);
/* Like table_col but prints "PATH: no column NAME" and returns -1. */
int table_need(const struct table *t, const char *name);
/* Parses row r, column c as a number ("nan" allowed); 0 or -1 + message. */
int table_num(const struct table *t, size_t r, int c, double *out);

int kv_read(const char *path, struct kv *kv);
void kv_free(struct kv *kv);
/* The value for key, or NULL. */
const char *kv_get(const struct kv *kv, const char *key);

#endif
