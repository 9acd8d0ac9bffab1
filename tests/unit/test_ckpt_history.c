/* test_ckpt_history.c — the checkpoint's shared layout (common/ckptfile.h)
 * against dcue-train's writer: the history that ckpt_write stores is what
 * ckpt_history_load (dcue-plot's reader) returns, row for row; damaged
 * files are refused with the reason; a version-1 file (made from a
 * version-2 one by dropping row_step, the only difference) still reads,
 * with both readers. */
#define _GNU_SOURCE
#include "check.h"
#include "files.h"
#include "tiny_model.h"

#include "checkpoint.h"
#include "ckptfile.h"
#include "inputs.h"
#include "msg.h"
#include "rng.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

enum { P = 3 };

static const struct metric_row ROWS[] = {
	{ ROW_STEP, 1, 5, 0.9, 0.2, NAN, NAN, 812.5, 0.25, 1.0 },
	{ ROW_EPOCH, 1, 10, 0.85, 0.25, 0.82, 0.3, 790.125, 0.5, 0.75 },
	{ ROW_EPOCH, 2, 20, 0.55, 0.52, 0.6, 0.5, 801.0, 1.0 / 3, 0.5 },
};
enum { NROWS = sizeof ROWS / sizeof ROWS[0] };

/* A tiny model two epochs in, written by dcue-train's writer with the
 * first n rows of ROWS as its history. */
static void write_ckpt(const char *path, size_t n)
{
	struct dcue_config cfg = tiny_config(P);
	struct train_state st = { .epoch = 2, .step = 20 };
	struct history h = { (struct metric_row *)ROWS, n, n };
	struct model m;
	struct rng r;

	cfg.mel_min = -80;       /* what ckpt_read's checks ask of a configuration */
	cfg.mel_std = 1;
	rng_seed(&r, 7);
	model_init(&m, &cfg);
	model_randomize(&m, &r);
	for (size_t p = 0; p < m.n_rows; p++)
		m.row_step[p] = st.step;
	CHECK(ckpt_write(path, &m, &st, &h) == 0);
	model_free(&m);
}

static unsigned char *slurp(const char *path, size_t *n)
{
	FILE *fp = fopen(path, "rb");
	struct stat sb;
	unsigned char *b;

	if (!CHECK(fp != NULL && fstat(fileno(fp), &sb) == 0))
		exit(1);
	*n = (size_t)sb.st_size;
	b = xmalloc(*n);
	CHECK(fread(b, 1, *n, fp) == *n);
	fclose(fp);
	return b;
}

static void put_file(const char *path, const void *b, size_t n)
{
	FILE *fp = fopen(path, "wb");
	CHECK(fp != NULL && fwrite(b, 1, n, fp) == n && fclose(fp) == 0);
}

static void put_le(unsigned char *p, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_le(const unsigned char *p, int bytes)
{
	uint64_t v = 0;

	for (int i = bytes - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* Both CRCs recomputed over b[n] (binfile.h's offsets). */
static void reseal(unsigned char *b, size_t n)
{
	put_le(b + 64, crc32(crc32(0, Z_NULL, 0), b + BIN_HEADER_BYTES,
	                     (uInt)(n - BIN_HEADER_BYTES)), 4);
	put_le(b + 68, crc32(crc32(0, Z_NULL, 0), b, 68), 4);
}

/* ckpt_history_load of path: 0 and the rows, or -1 and err. */
static int load(const char *path, struct metric_row **rows, size_t *n, char *err, size_t cap)
{
	int rc = ckpt_history_load(path, rows, n, err, cap);

	if (rc != 0)
		CHECK(*rows == NULL && *n == 0);
	return rc;
}

/* The rows are the ones written, bit for bit (NaNs included). */
static void check_rows(const struct metric_row *rows, size_t n, size_t want)
{
	if (CHECK_EQ_INT(n, want))
		CHECK(n == 0 || memcmp(rows, ROWS, n * sizeof *rows) == 0);
}

static void test_roundtrip(void)
{
	struct metric_row *rows;
	size_t n, size;
	char err[1024];
	unsigned char *b;

	write_ckpt("h.ckpt", NROWS);
	b = slurp("h.ckpt", &size);
	CHECK_EQ_INT(get_le(b + 8, 4), CKPT_VERSION);
	/* the writer's header agrees with the shared size formula */
	CHECK_EQ_INT(get_le(b + 56, 8), ckpt_payload_bytes(get_le(b + 16, 8), NROWS, P));
	CHECK_EQ_INT(size, BIN_HEADER_BYTES + sizeof(struct ckpt_meta) +
	                   ckpt_payload_bytes(get_le(b + 16, 8), NROWS, P));
	free(b);
	if (CHECK(load("h.ckpt", &rows, &n, err, sizeof err) == 0)) {
		check_rows(rows, n, NROWS);
		free(rows);
	}

	/* no history: nothing to free */
	write_ckpt("none.ckpt", 0);
	if (CHECK(load("none.ckpt", &rows, &n, err, sizeof err) == 0)) {
		CHECK(rows == NULL);
		CHECK_EQ_INT(n, 0);
	}
}

/* dcue-plot's table over the same rows: the metrics TSV's columns, every
 * digit of each value, nan for a missing one. */
static void test_plot_table(void)
{
	struct table t;

	if (!CHECK(ckpt_history_read("h.ckpt", &t) == 0))
		return;
	CHECK_EQ_INT(t.ncols, 10);
	CHECK_EQ_INT(t.nrows, NROWS);
	if (t.ncols == 10 && t.nrows == NROWS) {
		CHECK_EQ_STR(t.names[0], "kind");
		CHECK_EQ_STR(t.names[9], "active_frac");
		CHECK_EQ_STR(t.rows[0][0], "step");
		CHECK_EQ_STR(t.rows[1][0], "epoch");
		CHECK_EQ_STR(t.rows[2][1], "2");
		CHECK_EQ_STR(t.rows[2][2], "20");
		CHECK_EQ_STR(t.rows[0][5], "nan");
		CHECK_EQ_STR(t.rows[2][8], "0.33333333333333331");   /* elapsed_s 1/3 */
	}
	table_free(&t);
}

static void test_damage(void)
{
	struct metric_row *rows;
	size_t n, size;
	char err[1024];
	unsigned char *b = slurp("h.ckpt", &size);
	size_t payload = BIN_HEADER_BYTES + sizeof(struct ckpt_meta);
	size_t hist = payload + 2 * sizeof(float) * get_le(b + 16, 8);

	/* a parameter's byte: the CRC, though the reader never uses them */
	put_file("param.ckpt", b, size);
	flip_bits("param.ckpt", (long)payload + 5, 0x10);
	if (CHECK(load("param.ckpt", &rows, &n, err, sizeof err) != 0))
		CHECK(strstr(err, "param.ckpt: checksum mismatch") != NULL);

	/* a row step's byte (the payload's last), after the history */
	put_file("step.ckpt", b, size);
	flip_bits("step.ckpt", (long)size - 3, 1);
	if (CHECK(load("step.ckpt", &rows, &n, err, sizeof err) != 0))
		CHECK(strstr(err, "step.ckpt: checksum mismatch") != NULL);

	/* a row of an unknown kind, CRCs right: refused naming the row */
	unsigned char *k = xmalloc(size);
	memcpy(k, b, size);
	put_le(k + hist + sizeof(struct metric_row), 7, 4);
	reseal(k, size);
	put_file("kind.ckpt", k, size);
	free(k);
	if (CHECK(load("kind.ckpt", &rows, &n, err, sizeof err) != 0))
		CHECK(strstr(err, "kind.ckpt: history row 1 has unknown kind 7") != NULL);

	/* one history row more than the payload holds, CRCs right */
	put_le(b + 24, NROWS + 1, 8);
	reseal(b, size);
	put_file("rows.ckpt", b, size);
	if (CHECK(load("rows.ckpt", &rows, &n, err, sizeof err) != 0))
		CHECK(strstr(err, "rows.ckpt: payload of") != NULL &&
		      strstr(err, "4 history rows and 3 row steps") != NULL);
	free(b);

	/* no such file; a file shorter than a header */
	if (CHECK(load("missing.ckpt", &rows, &n, err, sizeof err) != 0))
		CHECK(strstr(err, "missing.ckpt: No such file") != NULL);
	put_file("short.ckpt", "DCUECKP", 8);
	if (CHECK(load("short.ckpt", &rows, &n, err, sizeof err) != 0))
		CHECK(strstr(err, "short.ckpt: truncated header (8 of 72 bytes)") != NULL);
}

/* Version 1: the same file without row_step (dims[2] 0). */
static void test_version1(void)
{
	struct metric_row *rows;
	struct model m;
	struct train_state st;
	struct history h = { 0 };
	size_t n, size;
	char err[1024];
	unsigned char *b = slurp("h.ckpt", &size);

	size -= P * sizeof(uint64_t);
	put_le(b + 8, 1, 4);
	put_le(b + 32, 0, 8);
	put_le(b + 56, get_le(b + 56, 8) - P * sizeof(uint64_t), 8);
	reseal(b, size);
	put_file("v1.ckpt", b, size);
	free(b);
	if (CHECK(load("v1.ckpt", &rows, &n, err, sizeof err) == 0)) {
		check_rows(rows, n, NROWS);
		free(rows);
	}
	/* dcue-train reads it too, every row at the training's step */
	if (CHECK(ckpt_read("v1.ckpt", &m, &st, &h, err, sizeof err) == 0)) {
		check_rows(h.rows, h.n, NROWS);
		CHECK_EQ_INT(st.step, 20);
		CHECK_EQ_INT(m.row_step[P - 1], 20);
		history_free(&h);
		model_free(&m);
	}
	/* a version-1 file with row steps' worth of payload left is refused */
	b = slurp("h.ckpt", &size);
	put_le(b + 8, 1, 4);
	put_le(b + 32, 0, 8);
	reseal(b, size);
	put_file("v1-long.ckpt", b, size);
	free(b);
	if (CHECK(load("v1-long.ckpt", &rows, &n, err, sizeof err) != 0))
		CHECK(strstr(err, "3 history rows and 0 row steps") != NULL);
}

static void test_payload_bytes(void)
{
	CHECK_EQ_INT(ckpt_payload_bytes(0, 0, 0), 0);
	CHECK_EQ_INT(ckpt_payload_bytes(10, 2, 3), 10 * 8 + 2 * 72 + 3 * 8);
	CHECK(ckpt_payload_bytes(UINT64_MAX / 8 + 1, 0, 0) == UINT64_MAX);
	CHECK(ckpt_payload_bytes(0, UINT64_MAX / 72 + 1, 0) == UINT64_MAX);
	CHECK(ckpt_payload_bytes(UINT64_MAX / 8, UINT64_MAX / 72, 0) == UINT64_MAX);
	CHECK(ckpt_payload_bytes(1, 0, UINT64_MAX / 8) == UINT64_MAX);
}

int main(int argc, char **argv)
{
	(void)argc;
	msg_init(argv[0]);
	test_payload_bytes();
	test_roundtrip();
	test_plot_table();
	test_damage();
	test_version1();
	return check_done();
}
