/* ckptfile.c — see ckptfile.h. */
#include "ckptfile.h"
#include "msg.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The largest meta a history reader accepts (dcue-train's is 168 bytes). */
#define CKPT_MAX_META (1u << 20)
/* The buffer the parameters and row steps pass through. */
#define CKPT_SKIP_BYTES (1u << 20)

uint64_t ckpt_payload_bytes(uint64_t n_params, uint64_t n_history, uint64_t n_rowsteps)
{
	const uint64_t per_param = 2 * sizeof(float);   /* value and momentum */
	uint64_t a, b, c;

	if (n_params > UINT64_MAX / per_param || n_history > UINT64_MAX / sizeof(struct metric_row) ||
	    n_rowsteps > UINT64_MAX / sizeof(uint64_t))
		return UINT64_MAX;
	a = n_params * per_param;
	b = n_history * sizeof(struct metric_row);
	c = n_rowsteps * sizeof(uint64_t);
	if (a > UINT64_MAX - b || a + b > UINT64_MAX - c)
		return UINT64_MAX;
	return a + b + c;
}

uint64_t ckpt_rowsteps(const struct bin_header *h)
{
	return h->version >= 2 ? h->dims[2] : 0;
}

int ckpt_check_payload_size(const struct bin_header *h, char *why, size_t cap)
{
	uint64_t want = ckpt_payload_bytes(h->dims[0], h->dims[1], ckpt_rowsteps(h));

	if (want == UINT64_MAX || h->payload_bytes != want)
		return snprintf(why, cap, "payload of %llu bytes does not hold %llu parameters, "
		                "%llu history rows and %llu row steps",
		                (unsigned long long)h->payload_bytes, (unsigned long long)h->dims[0],
		                (unsigned long long)h->dims[1],
		                (unsigned long long)ckpt_rowsteps(h)), -1;
	return 0;
}

int ckpt_check_history(const struct metric_row *rows, size_t n, char *why, size_t cap)
{
	for (size_t i = 0; i < n; i++)
		if (rows[i].kind != ROW_EPOCH && rows[i].kind != ROW_STEP)
			return snprintf(why, cap, "history row %zu has unknown kind %u (0 epoch, "
			                "1 step)", i, rows[i].kind), -1;
	return 0;
}

/* The header's meta_bytes, to give bin_open a buffer of that size: the
 * history's reader needs no definition of the meta.  Only the header's
 * own checks (bin_open's) make the value trusted; here it is only bounded. */
static int meta_size(const char *path, uint32_t *meta_bytes, char *err, size_t errcap)
{
	unsigned char h[BIN_HEADER_BYTES];
	FILE *fp = fopen(path, "rb");
	size_t n;

	if (fp == NULL)
		return snprintf(err, errcap, "%s: %s", path, strerror(errno)), -1;
	n = fread(h, 1, sizeof h, fp);
	fclose(fp);
	if (n != sizeof h)
		return snprintf(err, errcap, "%s: truncated header (%zu of %d bytes)", path, n,
		                BIN_HEADER_BYTES), -1;
	*meta_bytes = (uint32_t)h[48] | (uint32_t)h[49] << 8 | (uint32_t)h[50] << 16 |
	              (uint32_t)h[51] << 24;
	if (*meta_bytes > CKPT_MAX_META)
		return snprintf(err, errcap, "%s: implausible meta size %u", path, *meta_bytes), -1;
	return 0;
}

/* Reads and drops the next n payload bytes (the CRC covers them) through
 * buf[CKPT_SKIP_BYTES]; -1 with r->err set. */
static int skip(struct bin_reader *r, unsigned char *buf, uint64_t n)
{
	while (n > 0) {
		size_t k = n < CKPT_SKIP_BYTES ? (size_t)n : CKPT_SKIP_BYTES;

		if (bin_read(r, buf, k) != 0)
			return -1;
		n -= k;
	}
	return 0;
}

/* The history rows of r (whose payload size has been checked) into a fresh
 * *rows, the parameters and row steps read past through buf: reading them
 * checks the CRC, which the rows are used only after.  -1 with r->err. */
static int read_rows(struct bin_reader *r, unsigned char *buf, struct metric_row **rows)
{
	/* bounded by the file's size: bin_open matched payload_bytes to it */
	size_t n = (size_t)r->h.dims[1];

	*rows = xmalloc(n ? n * sizeof **rows : 1);
	return skip(r, buf, ckpt_payload_bytes(r->h.dims[0], 0, 0)) != 0 ||
	       bin_read(r, *rows, n * sizeof **rows) != 0 ||
	       skip(r, buf, ckpt_payload_bytes(0, 0, ckpt_rowsteps(&r->h))) != 0 ? -1 : 0;
}

int ckpt_history_load(const char *path, struct metric_row **rows, size_t *n, char *err,
                      size_t errcap)
{
	struct bin_reader r;
	uint32_t meta_bytes;
	unsigned char *buf;
	struct metric_row *got = NULL;
	char why[256];
	int rc = -1;

	*rows = NULL;
	*n = 0;
	if (meta_size(path, &meta_bytes, err, errcap) != 0)
		return -1;
	buf = xmalloc(meta_bytes > CKPT_SKIP_BYTES ? meta_bytes : CKPT_SKIP_BYTES);
	/* on failure the file may be open all the same: bin_close below (found
	 * by fuzz_plot_inputs) */
	if (bin_open(&r, path, CKPT_MAGIC, CKPT_VERSION, buf, meta_bytes) != 0)
		snprintf(err, errcap, "%s", r.err);
	else if (ckpt_check_payload_size(&r.h, why, sizeof why) != 0)
		snprintf(err, errcap, "%s: %s", path, why);
	else if (read_rows(&r, buf, &got) != 0)
		snprintf(err, errcap, "%s", r.err);
	else if (ckpt_check_history(got, (size_t)r.h.dims[1], why, sizeof why) != 0)
		snprintf(err, errcap, "%s: %s", path, why);
	else
		rc = 0;
	if (rc == 0 && r.h.dims[1] > 0) {
		*rows = got;
		*n = (size_t)r.h.dims[1];
	} else {
		free(got);
	}
	bin_close(&r);
	free(buf);
	return rc;
}
