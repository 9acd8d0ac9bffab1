/* inputs.c — see inputs.h. */
#define _GNU_SOURCE
#include "inputs.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckptfile.h"
#include "msg.h"

/* Text inputs are small (a report, a histogram, a metrics log): read whole,
 * but refuse anything absurd rather than exhaust memory. */
#define MAX_TEXT_BYTES (512u << 20)

static char *slurp(const char *path, size_t *len)
{
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	size_t cap = 65536, n = 0, r;
	char *buf;

	if (fp == NULL) {
		warn("%s", path);
		return NULL;
	}
	buf = xmalloc(cap + 1);
	while ((r = fread(buf + n, 1, cap - n, fp)) > 0) {
		n += r;
		if (n == cap) {
			if (cap >= MAX_TEXT_BYTES) {
				warnx("%s: larger than %u MiB, not a dcue text file", path,
				      MAX_TEXT_BYTES >> 20);
				goto fail;
			}
			cap *= 2;
			buf = xrealloc(buf, cap + 1);
		}
	}
	if (ferror(fp)) {
		warn("%s: read", path);
		goto fail;
	}
	if (fp != stdin)
		fclose(fp);
	buf[n] = '\0';
	if (memchr(buf, '\0', n) != NULL) {
		warnx("%s: binary data where text was expected", path);
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
fail:
	if (fp != stdin)
		fclose(fp);
	free(buf);
	return NULL;
}

/* Next line of *p (NUL-terminated in place, CR stripped), or NULL at the end. */
static char *next_line(char **p)
{
	char *s = *p, *e;

	if (*s == '\0')
		return NULL;
	e = strchr(s, '\n');
	if (e != NULL) {
		*e = '\0';
		*p = e + 1;
	} else {
		*p = s + strlen(s);
	}
	if (*s != '\0' && s[strlen(s) - 1] == '\r')
		s[strlen(s) - 1] = '\0';
	return s;
}

static int split_tabs(char *s, char **out, int max)
{
	int n = 0;

	for (;;) {
		char *t = strchr(s, '\t');

		if (n < max)
			out[n] = s;
		n++;
		if (t == NULL)
			break;
		*t = '\0';
		s = t + 1;
	}
	return n;
}

enum input_kind input_sniff(const char *path)
{
	unsigned char head[256];
	size_t n;
	FILE *fp = fopen(path, "rb");

	if (fp == NULL)
		return IN_UNKNOWN;
	n = fread(head, 1, sizeof head - 1, fp);
	fclose(fp);
	head[n] = '\0';
	if (n >= 8 && memcmp(head, "DCUEMEL", 8) == 0)
		return IN_MEL;
	if (n >= sizeof CKPT_MAGIC && memcmp(head, CKPT_MAGIC, sizeof CKPT_MAGIC) == 0)
		return IN_CKPT;
	if (memchr(head, '\0', n) != NULL)
		return IN_BINARY;
#define STARTS(s) (strncmp((const char *)head, s, strlen(s)) == 0)
	if (STARTS("# kind\tepoch\t"))
		return IN_METRICS;
	if (STARTS("# lo\thi\tcount"))
		return IN_MELHIST;
	if (STARTS("# metric\tsetting\tmodel\tvalue"))
		return IN_REPORT;
	if (STARTS("# setting\tmodel\tpid\tauc"))
		return IN_PERPLAYLIST;
	if (STARTS("# what\tvalue\tcount"))
		return IN_MPDHIST;
#undef STARTS
	if (n > 0 && head[0] != '#')
		return IN_KV;
	return IN_UNKNOWN;
}

const char *input_kind_name(enum input_kind k)
{
	static const char *names[] = {
		"unknown", "metrics TSV", "mel-stats histogram", "evaluation report",
		"per-playlist AUC TSV", "mpd-parse histograms", "key-value statistics",
		".mel spectrogram", "dcue-train checkpoint", "binary file"
	};
	return names[k];
}

int table_read(const char *path, struct table *t)
{
	size_t len;
	char *text = slurp(path, &len);

	if (text == NULL) {
		memset(t, 0, sizeof *t);
		return -1;
	}
	return table_parse(path, text, t);
}

int table_parse(const char *path, char *text, struct table *t)
{
	size_t cap = 0;
	char *p, *line;
	unsigned long lineno = 1;

	memset(t, 0, sizeof *t);
	t->path = path;
	t->text = text;
	p = t->text;
	line = next_line(&p);
	if (line == NULL || strncmp(line, "# ", 2) != 0) {
		warnx("%s:1: expected a header line \"# name<TAB>name...\"", path);
		goto fail;
	}
	t->ncols = 1;
	for (const char *q = line + 2; *q != '\0'; q++)
		t->ncols += *q == '\t';
	t->names = xcalloc((size_t)t->ncols, sizeof *t->names);
	split_tabs(line + 2, t->names, t->ncols);
	while ((line = next_line(&p)) != NULL) {
		lineno++;
		if (*line == '\0' || *line == '#')
			continue;
		if (t->nrows == cap) {
			cap = cap ? 2 * cap : 64;
			t->rows = xrealloc(t->rows, cap * sizeof *t->rows);
			t->lineno = xrealloc(t->lineno, cap * sizeof *t->lineno);
		}
		t->rows[t->nrows] = xcalloc((size_t)t->ncols, sizeof(char *));
		t->lineno[t->nrows] = lineno;
		int nf = split_tabs(line, t->rows[t->nrows], t->ncols);
		t->nrows++;
		if (nf != t->ncols) {
			warnx("%s:%lu: %d fields, the header names %d", path, lineno, nf, t->ncols);
			goto fail;
		}
	}
	return 0;
fail:
	table_free(t);
	return -1;
}

void table_free(struct table *t)
{
	for (size_t r = 0; r < t->nrows; r++)
		free(t->rows[r]);
	free(t->rows);
	free(t->lineno);
	free(t->names);
	free(t->text);
	memset(t, 0, sizeof *t);
}

int table_col(const struct table *t, const char *name)
{
	for (int c = 0; c < t->ncols; c++)
		if (strcmp(t->names[c], name) == 0)
			return c;
	return -1;
}

int table_need(const struct table *t, const char *name)
{
	int c = table_col(t, name);

	if (c < 0)
		warnx("%s:1: no column \"%s\" in the header", t->path, name);
	return c;
}

int table_num(const struct table *t, size_t r, int c, double *out)
{
	const char *s = t->rows[r][c];
	char *end;

	if (strcmp(s, "nan") == 0 || strcmp(s, "NaN") == 0 || strcmp(s, "-nan") == 0) {
		*out = NAN;
		return 0;
	}
	errno = 0;
	*out = strtod(s, &end);
	if (*s == '\0' || *end != '\0' || errno == ERANGE || isinf(*out)) {
		warnx("%s:%lu: column \"%s\": \"%s\" is not a number", t->path, t->lineno[r],
		      t->names[c], s);
		return -1;
	}
	return 0;
}

int kv_read(const char *path, struct kv *kv)
{
	size_t len, cap = 0;
	char *p, *line;
	unsigned long lineno = 0;

	memset(kv, 0, sizeof *kv);
	kv->path = path;
	if ((kv->text = slurp(path, &len)) == NULL)
		return -1;
	p = kv->text;
	while ((line = next_line(&p)) != NULL) {
		char *sep;

		lineno++;
		if (*line == '\0' || *line == '#')
			continue;
		sep = strpbrk(line, " \t");
		if (sep == NULL) {
			warnx("%s:%lu: expected \"key value\" or \"key: value\"", path, lineno);
			kv_free(kv);
			return -1;
		}
		if (sep > line && sep[-1] == ':')
			sep[-1] = '\0';
		*sep++ = '\0';
		while (*sep == ' ' || *sep == '\t')
			sep++;
		if (kv->n == cap) {
			cap = cap ? 2 * cap : 32;
			kv->key = xrealloc(kv->key, cap * sizeof *kv->key);
			kv->value = xrealloc(kv->value, cap * sizeof *kv->value);
		}
		kv->key[kv->n] = line;
		kv->value[kv->n] = sep;
		kv->n++;
	}
	if (kv->n == 0) {
		warnx("%s: empty, no \"key value\" lines", path);
		kv_free(kv);
		return -1;
	}
	return 0;
}

void kv_free(struct kv *kv)
{
	free(kv->key);
	free(kv->value);
	free(kv->text);
	memset(kv, 0, sizeof *kv);
}

const char *kv_get(const struct kv *kv, const char *key)
{
	for (size_t i = 0; i < kv->n; i++)
		if (strcmp(kv->key[i], key) == 0)
			return kv->value[i];
	return NULL;
}

/* The rows come from the shared reader (common/ckptfile.h); written as the
 * metrics TSV's text, but with every digit (%.17g), then parsed as one. */
int ckpt_history_read(const char *path, struct table *t)
{
	static const char *const names[] = { "train_loss", "train_acc", "valid_loss",
		                              "valid_acc", "samples_per_s", "elapsed_s",
		                              "active_frac" };
	struct metric_row *rows;
	size_t n_rows, len = 0;
	char err[1024], *text = NULL;
	FILE *out;

	memset(t, 0, sizeof *t);
	if (ckpt_history_load(path, &rows, &n_rows, err, sizeof err) != 0) {
		warnx("%s", err);
		return -1;
	}
	if ((out = open_memstream(&text, &len)) == NULL)
		die(EXIT_WORK, "open_memstream");
	fputs("# kind\tepoch\tstep", out);
	for (int i = 0; i < 7; i++)
		fprintf(out, "\t%s", names[i]);
	fputc('\n', out);
	for (size_t k = 0; k < n_rows; k++) {
		const struct metric_row *r = &rows[k];
		const double v[7] = { r->train_loss, r->train_acc, r->valid_loss, r->valid_acc,
		                      r->samples_per_s, r->elapsed_s, r->active_frac };

		fprintf(out, "%s\t%u\t%llu", r->kind == ROW_STEP ? "step" : "epoch", r->epoch,
		        (unsigned long long)r->step);
		for (int i = 0; i < 7; i++) {
			if (isnan(v[i]))
				fputs("\tnan", out);
			else
				fprintf(out, "\t%.17g", v[i]);
		}
		fputc('\n', out);
	}
	free(rows);
	if (fclose(out) != 0)
		die(EXIT_WORK, "open_memstream");
	return table_parse(path, text, t);
}
