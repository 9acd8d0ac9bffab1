/* test_directio.c — directio's writer and reader, alone and under binfile
 * (payloads of BIN_DIRECT_MIN bytes or more): the bytes and the CRCs
 * (computed by the I/O threads) are those of the plain stream whatever the
 * mix of call sizes and starting offsets, the file is cut to its exact length, a written file
 * has gone around the page cache (on ext4), and a damaged, truncated or
 * over-limit file is still caught with nothing left behind. */
#define _GNU_SOURCE
#include "binfile.h"
#include "check.h"
#include "directio.h"
#include "files.h"
#include "msg.h"
#include "rng.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <zlib.h>

#define MIB ((size_t)1 << 20)
#define N (BIN_DIRECT_MIN + 9 * MIB + 4321)   /* past several 8 MiB buffers, unaligned */

static unsigned char *payload;               /* [N] */
static const uint32_t meta[7] = { 1, 2, 3, 4, 5, 6, 7 };   /* 72 + 28: unaligned payload */

static long long file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

/* Pages of path in the page cache, as a fraction; -1 when it cannot tell. */
static double cached_fraction(const char *path)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	double f = -1;

	if (fd < 0 || fstat(fd, &st) != 0 || st.st_size == 0)
		goto out;
	long pg = sysconf(_SC_PAGESIZE);
	size_t pages = ((size_t)st.st_size + (size_t)pg - 1) / (size_t)pg, in = 0;
	void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	unsigned char *vec = malloc(pages);
	if (map != MAP_FAILED && mincore(map, (size_t)st.st_size, vec) == 0) {
		for (size_t i = 0; i < pages; i++)
			in += vec[i] & 1;
		f = (double)in / (double)pages;
	}
	if (map != MAP_FAILED)
		munmap(map, (size_t)st.st_size);
	free(vec);
out:
	if (fd >= 0)
		close(fd);
	return f;
}

static int on_ext4(void)
{
	struct statfs s;

	return statfs(".", &s) == 0 && s.f_type == 0xEF53;
}

/* The writer alone: pieces smaller, equal to and larger than a buffer. */
static void test_writer(void)
{
	size_t cut[] = { 0, 1, 4096, 8 * MIB, 8 * MIB + 7, 30 * MIB, N };
	struct direct_writer *d;
	int fd = open("dw.bin", O_WRONLY | O_CREAT | O_TRUNC, 0644);

	CHECK(fd >= 0);
	close(fd);
	d = dw_open("dw.bin", 777);
	CHECK(d != NULL);
	if (d == NULL)
		return;
	for (int i = 0; i + 1 < (int)(sizeof cut / sizeof cut[0]); i++)
		CHECK(dw_write(d, payload + cut[i], cut[i + 1] - cut[i]) == 0);
	uint32_t wcrc = 0;
	CHECK(dw_close(d, &wcrc) == 0);
	CHECK_EQ_INT(file_size("dw.bin"), N);
	/* the I/O threads' CRCs, joined: zlib's of the bytes from crc_from */
	CHECK_EQ_INT(wcrc, crc32(crc32(0, Z_NULL, 0), payload + 777, (uInt)(N - 777)));
	if (on_ext4())
		CHECK(cached_fraction("dw.bin") < 0.5);   /* went around the page cache */

	/* the reader alone, from an unaligned offset, in odd pieces */
	struct direct_reader *r = dr_open("dw.bin", 12345, N - 12345);
	unsigned char *got = malloc(N);
	size_t at = 12345, step[] = { 3, 9 * MIB, 1, 16 * MIB + 5 };
	CHECK(r != NULL);
	for (int i = 0; at < N; i = (i + 1) % 4) {
		size_t n = N - at < step[i] ? N - at : step[i];
		CHECK(dr_read(r, got + at, n) == 0);
		at += n;
	}
	CHECK(memcmp(got + 12345, payload + 12345, N - 12345) == 0);
	uLong crc = crc32(crc32(0, Z_NULL, 0), payload + 12345, (uInt)(N - 12345));
	CHECK_EQ_INT(dr_crc(r, (uint32_t)crc32(0, Z_NULL, 0)), crc);
	dr_close(r);
	/* past the file's end: delivered up to it, then "ended" */
	r = dr_open("dw.bin", N - 5000, 9000);
	CHECK(dr_read(r, got, 4000) == 0);
	CHECK(memcmp(got, payload + N - 5000, 4000) == 0);
	CHECK(dr_read(r, got, 2000) == 1);
	dr_close(r);
	/* closed early: the read-ahead stops */
	r = dr_open("dw.bin", 0, N);
	CHECK(dr_read(r, got, 100) == 0);
	dr_close(r);
	free(got);
}

/* header, meta, then the payload in a mix of small and large calls */
static void write_mixed(const char *path)
{
	struct bin_writer w;
	struct bin_header h;
	size_t cut[] = { 0, 3, 3 + 2 * MIB + 1, 3 + 2 * MIB + 1 + 100, N };

	u8_header(&h, "DCUEDIO", 1, N, sizeof meta);
	CHECK(bin_create(&w, path, &h, meta) == 0);
	CHECK(w.dw != NULL);                      /* the direct path is taken */
	for (int i = 0; i < 4; i++)
		CHECK(bin_write(&w, payload + cut[i], cut[i + 1] - cut[i]) == 0);
	CHECK(bin_finish(&w) == 0);
}

static void test_binfile(void)
{
	struct bin_reader r;
	uint32_t m[7];
	unsigned char *got = malloc(N);

	write_mixed("big.bin");
	CHECK_EQ_INT(file_size("big.bin"), BIN_HEADER_BYTES + sizeof meta + N);
	/* the stored data CRC is zlib's over meta and payload as one stream */
	FILE *fp = fopen("big.bin", "rb");
	unsigned char *file = malloc(BIN_HEADER_BYTES + sizeof meta + N);
	CHECK(fread(file, 1, BIN_HEADER_BYTES + sizeof meta + N, fp) ==
	      BIN_HEADER_BYTES + sizeof meta + N);
	fclose(fp);
	CHECK(memcmp(file + BIN_HEADER_BYTES + sizeof meta, payload, N) == 0);
	uLong crc = crc32(crc32(0, Z_NULL, 0), file + BIN_HEADER_BYTES, (uInt)(sizeof meta + N));
	uint32_t stored = (uint32_t)file[64] | (uint32_t)file[65] << 8 |
	                  (uint32_t)file[66] << 16 | (uint32_t)file[67] << 24;
	CHECK_EQ_INT(stored, crc);
	free(file);

	/* read: small (stdio), then large (the direct reader from an odd
	 * offset), small and large through it */
	size_t cut[] = { 0, 5, 5 + 3 * MIB, 5 + 3 * MIB + 7, N };
	CHECK(bin_open(&r, "big.bin", "DCUEDIO", 1, m, sizeof m) == 0);
	for (int i = 0; i < 4; i++)
		CHECK(bin_read(&r, got + cut[i], cut[i + 1] - cut[i]) == 0);
	CHECK(r.dr != NULL);
	CHECK(memcmp(got, payload, N) == 0);
	CHECK(bin_verify(&r) == -1);              /* only before the reads */
	bin_close(&r);
	CHECK(bin_open(&r, "big.bin", "DCUEDIO", 1, m, sizeof m) == 0);
	void *all = bin_read_all(&r);
	CHECK(all != NULL && memcmp(all, payload, N) == 0);
	free(all);
	bin_close(&r);

	/* a byte of the payload near its end, and one of the meta */
	write_mixed("bad.bin");
	flip_bits("bad.bin", (long)(BIN_HEADER_BYTES + sizeof meta + N - 3), 0x40);
	CHECK(bin_open(&r, "bad.bin", "DCUEDIO", 1, m, sizeof m) == 0);
	CHECK(bin_read(&r, got, N) == -1);
	CHECK(strstr(r.err, "bad.bin: checksum mismatch") != NULL);
	bin_close(&r);
	write_mixed("badm.bin");
	flip_bits("badm.bin", BIN_HEADER_BYTES + 5, 0x01);
	CHECK(bin_open(&r, "badm.bin", "DCUEDIO", 1, m, sizeof m) == 0);
	CHECK(bin_read(&r, got, N) == -1);
	CHECK(strstr(r.err, "checksum mismatch") != NULL);
	bin_close(&r);
	/* shortened while open */
	write_mixed("short.bin");
	CHECK(bin_open(&r, "short.bin", "DCUEDIO", 1, m, sizeof m) == 0);
	CHECK(truncate("short.bin", (off_t)(BIN_HEADER_BYTES + sizeof meta + 20 * MIB + 1)) == 0);
	CHECK(bin_read(&r, got, N) == -1);
	CHECK(strstr(r.err, "short.bin: truncated payload") != NULL);
	bin_close(&r);
	free(got);
}

/* A file-size limit met by the I/O thread: reported by a later bin_write
 * or by the seal, and the temporary file is gone. */
static void test_write_limit(void)
{
	struct bin_writer w;
	struct bin_header h;
	struct rlimit old, lim;
	int rc = 0, files = count_entries(".");

	signal(SIGXFSZ, SIG_IGN);
	CHECK(getrlimit(RLIMIT_FSIZE, &old) == 0);
	lim = old;
	lim.rlim_cur = 20 * MIB;
	CHECK(setrlimit(RLIMIT_FSIZE, &lim) == 0);
	u8_header(&h, "DCUEDIO", 1, N, sizeof meta);
	CHECK(bin_create(&w, "limit.bin", &h, meta) == 0);
	errno = 0;
	for (size_t at = 0; at < N && rc == 0; at += MIB * 4)
		rc = bin_write(&w, payload + at, N - at < 4 * MIB ? N - at : 4 * MIB);
	if (rc == 0)
		rc = bin_seal(&w);
	else
		bin_abort(&w);
	CHECK(rc == -1 && errno == EFBIG);
	CHECK(setrlimit(RLIMIT_FSIZE, &old) == 0);
	CHECK(access("limit.bin", F_OK) != 0);
	CHECK_EQ_INT(count_entries("."), files);  /* no temporary left */
}

int main(int argc, char **argv)
{
	struct rng g;

	(void)argc;
	msg_init(argv[0]);
	payload = malloc(N);
	rng_seed(&g, 11);
	for (size_t i = 0; i < N; i += 8) {
		uint64_t v = rng_u64(&g);
		memcpy(payload + i, &v, N - i < 8 ? N - i : 8);
	}
	test_writer();
	test_binfile();
	test_write_limit();
	free(payload);
	return check_done();
}
