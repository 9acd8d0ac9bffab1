/* test_binfile_large.c — binfile's large transfers (pread/pwrite in pieces
 * over several threads, CRCs joined): the bytes and the data CRC are those
 * of the plain stream (the format does not change), whatever mix of small
 * and large calls wrote or reads them; corruption, truncation and a
 * failing write are still caught. */
#define _POSIX_C_SOURCE 200809L
#include "binfile.h"
#include "check.h"
#include "files.h"
#include "msg.h"
#include "rng.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>
#include <zlib.h>

#define MIB ((size_t)1 << 20)
#define N (7 * MIB + 12345)          /* payload: neither piece nor page sized */

static unsigned char *payload;       /* [N] */
static const uint32_t meta[6] = { 1, 2, 3, 4, 5, 6 };

/* small, large (2 MiB + 1: two threads' pieces and a short one), small,
 * the rest (large) */
static void write_mixed(const char *path)
{
	struct bin_writer w;
	struct bin_header h;
	size_t cut[] = { 0, 3, 3 + 2 * MIB + 1, 3 + 2 * MIB + 1 + 100, N };

	u8_header(&h, "DCUEBIG", 1, N, sizeof meta);
	CHECK(bin_create(&w, path, &h, meta) == 0);
	for (int i = 0; i < 4; i++)
		CHECK(bin_write(&w, payload + cut[i], cut[i + 1] - cut[i]) == 0);
	CHECK(bin_finish(&w) == 0);
}

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *b = malloc(N + 4096);
	*len = fread(b, 1, N + 4096, fp);
	fclose(fp);
	return b;
}

static void test_roundtrip(void)
{
	struct bin_reader r;
	uint32_t m[6];
	size_t len;

	write_mixed("big.bin");
	/* the file is header, meta, payload; its data CRC is zlib's over meta
	 * and payload, as one stream */
	unsigned char *file = slurp("big.bin", &len);
	CHECK_EQ_INT(len, BIN_HEADER_BYTES + sizeof meta + N);
	CHECK(memcmp(file + BIN_HEADER_BYTES + sizeof meta, payload, N) == 0);
	uLong crc = crc32(0, Z_NULL, 0);
	crc = crc32(crc, file + BIN_HEADER_BYTES, (uInt)(len - BIN_HEADER_BYTES));
	uint32_t stored = (uint32_t)file[64] | (uint32_t)file[65] << 8 | (uint32_t)file[66] << 16 |
	                  (uint32_t)file[67] << 24;
	CHECK_EQ_INT(stored, crc);
	free(file);

	/* read back in another mix: large first, then small, then large */
	unsigned char *got = malloc(N);
	size_t cut[] = { 0, 3 * MIB + 7, 3 * MIB + 7 + 5, N };
	CHECK(bin_open(&r, "big.bin", "DCUEBIG", 1, m, sizeof m) == 0);
	for (int i = 0; i < 3; i++)
		CHECK(bin_read(&r, got + cut[i], cut[i + 1] - cut[i]) == 0);
	CHECK(memcmp(got, payload, N) == 0);
	bin_close(&r);
	/* in one call */
	CHECK(bin_open(&r, "big.bin", "DCUEBIG", 1, m, sizeof m) == 0);
	void *all = bin_read_all(&r);
	CHECK(all != NULL && memcmp(all, payload, N) == 0);
	free(all);
	bin_close(&r);
	free(got);
}

static void test_damage(void)
{
	struct bin_reader r;
	uint32_t m[6];
	unsigned char *got = malloc(N);

	/* a byte in the middle of the payload, read by a helper thread */
	write_mixed("bad.bin");
	flip_bits("bad.bin", (long)(BIN_HEADER_BYTES + sizeof meta + 5 * MIB + 3), 0x10);
	CHECK(bin_open(&r, "bad.bin", "DCUEBIG", 1, m, sizeof m) == 0);
	CHECK(bin_read(&r, got, N) == -1);
	CHECK(strstr(r.err, "bad.bin: checksum mismatch") != NULL);
	bin_close(&r);
	/* a byte of the meta: found at the payload's end */
	write_mixed("badm.bin");
	flip_bits("badm.bin", BIN_HEADER_BYTES + 2, 0x10);
	CHECK(bin_open(&r, "badm.bin", "DCUEBIG", 1, m, sizeof m) == 0);
	CHECK(bin_read(&r, got, 4 * MIB) == 0);
	CHECK(bin_read(&r, got, N - 4 * MIB) == -1);
	CHECK(strstr(r.err, "checksum mismatch") != NULL);
	bin_close(&r);
	/* shortened while open: the pieces past the end are missing */
	write_mixed("short.bin");
	CHECK(bin_open(&r, "short.bin", "DCUEBIG", 1, m, sizeof m) == 0);
	CHECK(truncate("short.bin", (off_t)(BIN_HEADER_BYTES + sizeof meta + 3 * MIB)) == 0);
	CHECK(bin_read(&r, got, N) == -1);
	CHECK(strstr(r.err, "short.bin: truncated payload") != NULL);
	bin_close(&r);
	/* and refused at open when already short */
	CHECK(bin_open(&r, "short.bin", "DCUEBIG", 1, m, sizeof m) == -1);
	CHECK(strstr(r.err, "truncated or padded") != NULL);
	bin_close(&r);
	free(got);
}

static void test_write_errors(void)
{
	struct bin_writer w;
	struct bin_header h;
	struct rlimit old, lim;

	/* more than payload_bytes in one large call */
	u8_header(&h, "DCUEBIG", 1, 3 * MIB, sizeof meta);
	CHECK(bin_create(&w, "over.bin", &h, meta) == 0);
	errno = 0;
	CHECK(bin_write(&w, payload, 4 * MIB) == -1 && errno == EINVAL);
	bin_abort(&w);
	CHECK(access("over.bin", F_OK) != 0);
	/* a file-size limit hit by a helper thread's pwrite */
	signal(SIGXFSZ, SIG_IGN);
	CHECK(getrlimit(RLIMIT_FSIZE, &old) == 0);
	lim = old;
	lim.rlim_cur = 3 * MIB;
	CHECK(setrlimit(RLIMIT_FSIZE, &lim) == 0);
	u8_header(&h, "DCUEBIG", 1, N, sizeof meta);
	CHECK(bin_create(&w, "limit.bin", &h, meta) == 0);
	errno = 0;
	CHECK(bin_write(&w, payload, N) == -1 && errno == EFBIG);
	bin_abort(&w);
	CHECK(setrlimit(RLIMIT_FSIZE, &old) == 0);
	CHECK(access("limit.bin", F_OK) != 0);
}

int main(int argc, char **argv)
{
	struct rng g;

	(void)argc;
	msg_init(argv[0]);
	payload = malloc(N);
	rng_seed(&g, 9);
	for (size_t i = 0; i < N; i++)
		payload[i] = (unsigned char)(rng_u64(&g) >> 56);
	test_roundtrip();
	test_damage();
	test_write_errors();
	free(payload);
	return check_done();
}
