/* inputs.c — see inputs.h. */
#define _GNU_SOURCE
#include "inputs.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binfile.h"
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
	if (n >= 8 && memcmp(head, "DCUECKP", 8) == 0)
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

/* The checkpoint's metric history (docs/dcue-train.md, "Checkpoint"): after
 * f32 params[n] and f32 momentum[n], rows of 72 bytes: u32 kind (0 epoch,
 * 1 step), u32 epoch, u64 step, then seven f64 in the metrics TSV's order;
 * in version 2 then u64 row_step[dims[2]], read only for the CRC. */
enum { CKPT_ROW_BYTES = 72 };

/* Reads and drops the next n payload bytes (the CRC covers them); -1 with
 * the message printed. */
static int ckpt_skip(struct bin_reader *r, uint64_t n)
{
	unsigned char *scratch = xmalloc(1 << 20);

	while (n > 0) {
		size_t k = n < (1 << 20) ? (size_t)n : (1 << 20);

		if (bin_read(r, scratch, k) != 0) {
			warnx("%s", r->err);
			free(scratch);
			return -1;
		}
		n -= k;
	}
	free(scratch);
	return 0;
}

static int ckpt_meta_bytes(const char *path, uint32_t *meta_bytes)
{
	unsigned char h[BIN_HEADER_BYTES];
	FILE *fp = fopen(path, "rb");
	size_t n;

	if (fp == NULL) {
		warn("%s", path);
		return -1;
	}
	n = fread(h, 1, sizeof h, fp);
	fclose(fp);
	if (n != sizeof h) {
		warnx("%s: truncated header (%zu of %d bytes)", path, n, BIN_HEADER_BYTES);
		return -1;
	}
	*meta_bytes = (uint32_t)h[48] | (uint32_t)h[49] << 8 | (uint32_t)h[50] << 16 |
	              (uint32_t)h[51] << 24;
	if (*meta_bytes > (1u << 20)) {
		warnx("%s: implausible meta size %u", path, *meta_bytes);
		return -1;
	}
	return 0;
}

int ckpt_history_read(const char *path, struct table *t)
{
	static const char *const names[] = { "train_loss", "train_acc", "valid_loss",
		                              "valid_acc", "samples_per_s", "elapsed_s",
		                              "active_frac" };
	struct bin_reader r;
	uint32_t meta_bytes;
	unsigned char *meta, row[CKPT_ROW_BYTES];
	char *text = NULL;
	size_t len = 0;
	uint64_t skip, n_rows, n_steps;
	FILE *out;

	memset(t, 0, sizeof *t);
	if (ckpt_meta_bytes(path, &meta_bytes) != 0)
		return -1;
	meta = xmalloc(meta_bytes ? meta_bytes : 1);
	if (bin_open(&r, path, "DCUECKP", 2, meta, meta_bytes) != 0) {
		warnx("%s", r.err);
		free(meta);
		bin_close(&r);         /* the file may be open (found by fuzz_plot_inputs) */
		return -1;
	}
	free(meta);
	n_rows = r.h.dims[1];
	n_steps = r.h.version >= 2 ? r.h.dims[2] : 0;
	skip = 8 * r.h.dims[0];
	if (r.h.dims[0] > (UINT64_MAX - 1) / 16 || n_rows > UINT64_MAX / 4 / CKPT_ROW_BYTES ||
	    n_steps > UINT64_MAX / 4 / 8 ||
	    r.h.payload_bytes != skip + n_rows * CKPT_ROW_BYTES + 8 * n_steps) {
		warnx("%s: payload of %llu bytes does not hold %llu parameters, %llu history rows "
		      "and %llu row steps", path, (unsigned long long)r.h.payload_bytes,
		      (unsigned long long)r.h.dims[0], (unsigned long long)n_rows,
		      (unsigned long long)n_steps);
		bin_close(&r);
		return -1;
	}
	/* the parameters are not needed, but reading them checks the CRC */
	if (ckpt_skip(&r, skip) != 0) {
		bin_close(&r);
		return -1;
	}
	if ((out = open_memstream(&text, &len)) == NULL)
		die(EXIT_WORK, "open_memstream");
	fputs("# kind\tepoch\tstep", out);
	for (int i = 0; i < 7; i++)
		fprintf(out, "\t%s", names[i]);
	fputc('\n', out);
	for (uint64_t k = 0; k < n_rows; k++) {
		uint32_t kind, epoch;
		uint64_t step;
		double v[7];

		if (bin_read(&r, row, sizeof row) != 0) {
			warnx("%s", r.err);
			fclose(out);
			free(text);
			bin_close(&r);
			return -1;
		}
		memcpy(&kind, row, 4);      /* little-endian, as the writer (checked there) */
		memcpy(&epoch, row + 4, 4);
		memcpy(&step, row + 8, 8);
		memcpy(v, row + 16, sizeof v);
		if (kind > 1) {
			warnx("%s: history row %llu has kind %u (0 epoch or 1 step)", path,
			      (unsigned long long)k, kind);
			fclose(out);
			free(text);
			bin_close(&r);
			return -1;
		}
		fprintf(out, "%s\t%u\t%llu", kind ? "step" : "epoch", epoch,
		        (unsigned long long)step);
		for (int i = 0; i < 7; i++) {
			if (isnan(v[i]))
				fputs("\tnan", out);
			else
				fprintf(out, "\t%.17g", v[i]);
		}
		fputc('\n', out);
	}
	if (ckpt_skip(&r, 8 * n_steps) != 0) {   /* row_step: only the CRC */
		fclose(out);
		free(text);
		bin_close(&r);
		return -1;
	}
	bin_close(&r);
	if (fclose(out) != 0)
		die(EXIT_WORK, "open_memstream");
	return table_parse(path, text, t);
}
