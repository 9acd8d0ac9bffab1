/* test_readers.c — readers against hostile files found by fuzzing or by
 * the audit of issue 12: each case is a file a reader must refuse with a
 * message naming it (see also tests/cli/hostile-values.sh and the inputs
 * under fuzz/regress/ and of fuzz/seeds.c, replayed by
 * tests/cli/fuzz-replay.sh). */
#define _GNU_SOURCE
#include "check.h"

#include "binfile.h"
#include "inputs.h"
#include "melfile.h"
#include "msg.h"
#include "tracks.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

static void put_file(const char *path, const void *data, size_t n)
{
	FILE *fp = fopen(path, "wb");
	CHECK(fp != NULL && fwrite(data, 1, n, fp) == n && fclose(fp) == 0);
}

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* A well-formed container: header, meta, payload, both CRCs right. */
static size_t make_bin(unsigned char *b, const char *magic, uint32_t dtype, uint64_t d0,
                       uint64_t d1, const void *meta, uint32_t meta_bytes, const void *payload,
                       uint64_t payload_bytes)
{
	memset(b, 0, 72);
	memcpy(b, magic, 8);
	put32(b + 8, 1);
	put32(b + 12, dtype);
	for (int i = 0; i < 8; i++) {
		b[16 + i] = (unsigned char)(d0 >> (8 * i));
		b[24 + i] = (unsigned char)(d1 >> (8 * i));
		b[56 + i] = (unsigned char)(payload_bytes >> (8 * i));
	}
	put32(b + 48, meta_bytes);
	memcpy(b + 72, meta, meta_bytes);
	memcpy(b + 72 + meta_bytes, payload, payload_bytes);
	put32(b + 64, (uint32_t)crc32(crc32(0, Z_NULL, 0), b + 72, (uInt)(meta_bytes + payload_bytes)));
	put32(b + 68, (uint32_t)crc32(crc32(0, Z_NULL, 0), b, 68));
	return 72 + meta_bytes + payload_bytes;
}

/* vmin/vmax near ±3e38: checksums fine, vmax - vmin overflows (mel-stats
 * crashed on it, dcue-train's mean became NaN). */
static void test_mel_range(void)
{
	unsigned char b[256], q[6] = { 0, 1, 2, 253, 254, 255 };
	struct mel_meta meta = { 22050, 1024, 512, MEL_SCALE_DB, MEL_PAD_CONSTANT, 0, -3e38f, 3e38f };
	struct mel m;
	char err[512];
	size_t n = make_bin(b, "DCUEMEL", BIN_U8, 3, 2, &meta, sizeof meta, q, sizeof q);

	put_file("range.mel", b, n);
	CHECK(mel_read("range.mel", &m, err, sizeof err) != 0);
	CHECK(strstr(err, "range.mel: invalid value range") != NULL);
	/* the same file with an ordinary range reads */
	meta.vmin = -80;
	meta.vmax = 0;
	n = make_bin(b, "DCUEMEL", BIN_U8, 3, 2, &meta, sizeof meta, q, sizeof q);
	put_file("ok.mel", b, n);
	if (CHECK(mel_read("ok.mel", &m, err, sizeof err) == 0)) {
		float v[6];
		mel_to_float(&m, v);
		CHECK_CLOSE(v[5], 0.0, 1e-6, 0);
		CHECK_CLOSE(v[0], -80.0, 1e-6, 0);
		mel_free(&m);
	}
	/* and one within ±1e6 but beyond it is refused */
	meta.vmin = -2e6f;
	n = make_bin(b, "DCUEMEL", BIN_U8, 3, 2, &meta, sizeof meta, q, sizeof q);
	put_file("wide.mel", b, n);
	CHECK(mel_read("wide.mel", &m, err, sizeof err) != 0);
}

/* A NUL byte inside tracks.tsv cut the file there: the rows after it were
 * silently missing. */
static void test_tracks_nul(void)
{
	static const char text[] = TRACKS_HEADER "\n"
		"0123456789abcdefghijkl\tA\tT\tAl\t1000\t1\tT\n"
		"1123456789abcdefghijkl\tB\tU\tAl\t1000\t1\tU\x00X\n"
		"2123456789abcdefghijkl\tC\tV\tAl\t1000\t1\tV\n";
	struct tracks t;
	char err[512];

	put_file("nul.tsv", text, sizeof text - 1);
	CHECK(tracks_read("nul.tsv", &t, err, sizeof err) != 0);
	CHECK(strstr(err, "nul.tsv:3: NUL byte") != NULL);
	/* without it, three rows */
	static const char ok[] = TRACKS_HEADER "\n"
		"0123456789abcdefghijkl\tA\tT\tAl\t1000\t1\tT\n"
		"1123456789abcdefghijkl\tB\tU\tAl\t1000\t1\tU\n"
		"2123456789abcdefghijkl\tC\tV\tAl\t1000\t1\tV\n";
	put_file("ok.tsv", ok, sizeof ok - 1);
	if (CHECK(tracks_read("ok.tsv", &t, err, sizeof err) == 0)) {
		CHECK_EQ_INT(t.n, 3);
		tracks_free(&t);
	}
}

static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (d == NULL)
		return -1;
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n;
}

/* dcue-plot's checkpoint history reader left the file open when the
 * header was refused (found by fuzz_plot_inputs: EMFILE after ~1000). */
static void test_plot_ckpt_fd(void)
{
	unsigned char b[256];
	struct table t;
	size_t n = make_bin(b, "DCUECKP", BIN_MIXED, 0, 0, "", 0, "", 0);
	int before;

	b[68] ^= 1;                /* header CRC wrong */
	put_file("bad.ckpt", b, n);
	before = open_fds();
	for (int i = 0; i < 3; i++)
		CHECK(ckpt_history_read("bad.ckpt", &t) != 0);
	CHECK_EQ_INT(open_fds(), before);
}

int main(int argc, char **argv)
{
	(void)argc;
	msg_init(argv[0]);
	test_mel_range();
	test_tracks_nul();
	test_plot_ckpt_fd();
	return check_done();
}
