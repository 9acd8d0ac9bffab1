/* test_directio_stress.c — directio's writer and reader under random use
 * and injected faults: round trips of random sizes (32–80 MiB), call-size
 * mixes, CRC starts and read ranges give the stream's bytes and zlib's CRC;
 * a reader closed early stops; a large read's destination keeps the bytes
 * around it (the populate helper); a transfer refused with EINVAL is redone
 * through the page cache; an error or a file's end met by one I/O thread
 * mid-chunk is reported, never papered over with the next chunk's bytes;
 * a file-size limit, ENOSPC or a truncation at a random offset is reported
 * by binfile with nothing left behind, a limit the file just fits under is
 * not; a byte flipped anywhere gives "checksum mismatch".
 *
 * Faults are injected by this program's own pread and pwrite, which take
 * the place of the C library's for directio.c and binfile.c (static
 * linking) and pass every call on to the system call unless armed. */
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
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#define MIB ((size_t)1 << 20)
#define NMAX (80 * MIB)

static unsigned char *payload;                /* [NMAX] */
static unsigned char *got;                    /* [NMAX] */

/* ---- fault injection ---- */

static atomic_int fault_op;         /* 'r', 'w' or 0: off */
static atomic_llong fault_at;       /* the file offset a transfer starts at */
static atomic_int fault_errno;
static atomic_llong fault_partial;  /* bytes moved first, then the error */
static atomic_int fault_delay_ms;   /* before the error */
static atomic_int faults;           /* errors given */

static void arm(int op, long long at, int err, long long partial, int delay_ms)
{
	atomic_store(&fault_at, at);
	atomic_store(&fault_errno, err);
	atomic_store(&fault_partial, partial);
	atomic_store(&fault_delay_ms, delay_ms);
	atomic_store(&faults, 0);
	atomic_store(&fault_op, op);
}

static ssize_t faulty(int op, int fd, void *p, size_t n, off_t off)
{
	long long partial = atomic_load(&fault_partial);

	if (atomic_load(&fault_op) == op && (long long)off == atomic_load(&fault_at)) {
		if (partial > 0 && (size_t)partial < n) {
			/* a short transfer; the rest of it fails */
			atomic_store(&fault_at, (long long)off + partial);
			atomic_store(&fault_partial, 0);
			n = (size_t)partial;
		} else {
			int ms = atomic_load(&fault_delay_ms);
			struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
			if (ms > 0)
				nanosleep(&ts, NULL);
			atomic_store(&fault_op, 0);          /* once */
			atomic_fetch_add(&faults, 1);
			errno = atomic_load(&fault_errno);
			return -1;
		}
	}
	return op == 'r' ? syscall(SYS_pread64, fd, p, n, off)
	                 : syscall(SYS_pwrite64, fd, p, n, off);
}

ssize_t pread(int fd, void *p, size_t n, off_t off)
{
	return faulty('r', fd, p, n, off);
}

ssize_t pwrite(int fd, const void *p, size_t n, off_t off)
{
	return faulty('w', fd, (void *)p, n, off);
}

/* ---- helpers ---- */

static uint32_t crc_of(const unsigned char *p, size_t n)
{
	return (uint32_t)crc32(crc32(0, Z_NULL, 0), p, (uInt)n);
}

static long long file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

static void make_empty(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
}

/* A call size: tiny, around a buffer's size, or large. */
static size_t call_size(struct rng *g)
{
	switch (rng_below(g, 5)) {
	case 0: return 1 + rng_below(g, 5000);
	case 1: return 8 * MIB - 2048 + rng_below(g, 4096);
	case 2: return MIB + rng_below(g, 3 * MIB);
	case 3: return rng_below(g, 24 * MIB);
	}
	return 2 * MIB + rng_below(g, 40 * MIB);
}

/* n bytes of payload written to path with a direct_writer in random calls;
 * 0, or -1 with errno (the writer is then aborted). */
static int write_random(struct rng *g, const char *path, size_t n, uint64_t crc_from,
                        uint32_t *crc)
{
	struct direct_writer *d;

	make_empty(path);
	d = dw_open(path, crc_from);
	if (d == NULL)
		return -1;
	for (size_t at = 0; at < n;) {
		size_t k = call_size(g);
		if (k > n - at)
			k = n - at;
		if (dw_write(d, payload + at, k) != 0) {
			dw_abort(d);
			return -1;
		}
		if (rng_below(g, 8) == 0)
			CHECK(dw_write(d, payload, 0) == 0);   /* n == 0 calls */
		at += k;
	}
	return dw_close(d, crc);
}

/* n bytes of payload through w in random calls until one fails, then
 * finished (or aborted after the failure); 0, or -1 with errno. */
static int bin_write_random(struct bin_writer *w, struct rng *calls, size_t n)
{
	int rc = 0;

	for (size_t at = 0; at < n && rc == 0;) {
		size_t k = call_size(calls);
		if (k > n - at)
			k = n - at;
		rc = bin_write(w, payload + at, k);
		at += k;
	}
	if (rc != 0) {
		bin_abort(w);
		return -1;
	}
	errno = 0;
	return bin_finish(w);
}

/* ---- tests ---- */

/* Random round trips; some readers closed early. */
static void test_round_trips(struct rng *g)
{
	for (int round = 0; round < 6; round++) {
		size_t n = 32 * MIB + rng_below(g, 48 * MIB + 1);
		uint64_t crc_from = rng_below(g, 4) == 0 ? 0 : rng_below(g, n + 1);
		uint32_t wcrc = 0;

		CHECK(write_random(g, "rt.bin", n, crc_from, &wcrc) == 0);
		CHECK_EQ_INT(file_size("rt.bin"), n);
		CHECK_EQ_INT(wcrc, crc_of(payload + crc_from, n - crc_from));

		for (int pass = 0; pass < 2; pass++) {
			uint64_t off = rng_below(g, 3) == 0 ? rng_below(g, 4) * 4096 : rng_below(g, n / 2);
			uint64_t len = rng_below(g, 3) == 0 ? n - off : rng_below(g, n - off + 1);
			int early = rng_below(g, 4) == 0;
			struct direct_reader *r = dr_open("rt.bin", off, len);
			CHECK(r != NULL);
			if (r == NULL)
				continue;
			uint64_t at = 0;
			int ok = 1;
			while (at < len && ok) {
				size_t k = call_size(g);
				if (k > len - at)
					k = (size_t)(len - at);
				ok = dr_read(r, got + at, k) == 0;
				at += k;
				if (early && rng_below(g, 3) == 0)
					break;
			}
			CHECK(ok);
			CHECK(memcmp(got, payload + off, (size_t)at) == 0);
			if (ok && at == len)
				CHECK_EQ_INT(dr_crc(r, 0x12345678u),
				             crc32_combine(0x12345678u, crc_of(payload + off, len),
				                           (z_off_t)len));
			dr_close(r);
		}
	}
	/* an empty range, aligned or not, and an empty file */
	struct direct_reader *r = dr_open("rt.bin", 4097, 0);
	CHECK(r != NULL && dr_read(r, got, 0) == 0 && dr_crc(r, 7) == 7);
	dr_close(r);
	uint32_t crc = 1;
	CHECK(write_random(g, "empty.bin", 0, 0, &crc) == 0);
	CHECK_EQ_INT(crc, 0);
	CHECK_EQ_INT(file_size("empty.bin"), 0);
}

/* Asked for more than the range holds: 1 (it used to wait for a chunk no
 * thread would read), whether the range is empty, ends inside a chunk or
 * at a chunk's end. */
static void test_past_range(void)
{
	static const uint64_t range[][2] = {
		{ 100, 5000 }, { 4097, 0 }, { 8192, 0 }, { 0, 8 * MIB }, { 3, 16 * MIB - 3 },
	};

	for (size_t i = 0; i < sizeof range / sizeof range[0]; i++) {
		struct direct_reader *r = dr_open("rt.bin", range[i][0], range[i][1]);
		CHECK(r != NULL);
		if (r == NULL)
			continue;
		if (range[i][1] > 0) {
			CHECK(dr_read(r, got, (size_t)range[i][1] - 1) == 0);
			CHECK(memcmp(got, payload + range[i][0], (size_t)range[i][1] - 1) == 0);
			CHECK(dr_read(r, got, 2) == 1);
		} else {
			CHECK(dr_read(r, got, 0) == 0);
			CHECK(dr_read(r, got, 1) == 1);
		}
		dr_close(r);
	}
}

/* A writer aborted with buffers in flight, a reader closed with reads in
 * flight or before any: no hang, nothing leaked, errno kept by dw_abort. */
static void test_abort(struct rng *g)
{
	for (int round = 0; round < 4; round++) {
		make_empty("ab.bin");
		struct direct_writer *d = dw_open("ab.bin", 0);
		CHECK(d != NULL);
		if (d == NULL)
			return;
		size_t n = rng_below(g, 40 * MIB);
		for (size_t at = 0; at < n;) {
			size_t k = call_size(g);
			if (k > n - at)
				k = n - at;
			CHECK(dw_write(d, payload + at, k) == 0);
			at += k;
		}
		errno = EDOM;
		dw_abort(d);
		CHECK_EQ_INT(errno, EDOM);
	}
	struct direct_reader *r = dr_open("rt.bin", 0, 30 * MIB);
	CHECK(r != NULL);
	dr_close(r);
	r = dr_open("rt.bin", 5, 30 * MIB);
	CHECK(r != NULL && dr_read(r, got, 9 * MIB) == 0);
	dr_close(r);
	unlink("ab.bin");
}

/* A destination of 64 MiB or more, fresh memory at an odd address: the
 * bytes around it on its first and last pages are kept, and the pages
 * beyond those are not touched (the populate helper stays on the
 * destination's pages). */
static void test_populate(struct rng *g)
{
	size_t n = 66 * MIB + 123, pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t lead = pg + 1000, end = lead + n, tail = (end + pg - 1) / pg * pg;
	size_t map = tail + 3 * pg, pages = map / pg;
	uint32_t crc;
	unsigned char *m = mmap(NULL, map, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned char *vec = malloc(pages);

	CHECK(m != MAP_FAILED && vec != NULL);
	if (m == MAP_FAILED || vec == NULL)
		return;
	(void)madvise(m, map, MADV_NOHUGEPAGE);     /* one page faulted is one page */
	CHECK(write_random(g, "pop.bin", n + 5000, 0, &crc) == 0);
	memset(m + pg, 0xA5, lead - pg);
	memset(m + end, 0x5A, tail - end);
	struct direct_reader *r = dr_open("pop.bin", 777, n);
	CHECK(r != NULL && dr_read(r, m + lead, n) == 0);
	dr_close(r);
	CHECK(memcmp(m + lead, payload + 777, n) == 0);
	int kept = 1;
	for (size_t i = pg; i < lead; i++)
		kept &= m[i] == 0xA5;
	for (size_t i = end; i < tail; i++)
		kept &= m[i] == 0x5A;
	CHECK(kept);
	CHECK(mincore(m, map, vec) == 0);
	CHECK_EQ_INT(vec[0] & 1, 0);
	for (size_t i = tail / pg; i < pages; i++)
		CHECK_EQ_INT(vec[i] & 1, 0);
	free(vec);
	munmap(m, map);
}

/* O_DIRECT refusing one transfer: it and the rest go through the page
 * cache, with the same bytes and CRCs. */
static void test_einval(struct rng *g)
{
	size_t n = 40 * MIB + 77;
	uint32_t crc = 0;

	arm('w', (long long)(16 * MIB), EINVAL, 0, 0);
	CHECK(write_random(g, "inval.bin", n, 5, &crc) == 0);
	CHECK_EQ_INT(atomic_load(&faults), 1);
	CHECK_EQ_INT(crc, crc_of(payload + 5, n - 5));
	CHECK_EQ_INT(file_size("inval.bin"), n);

	arm('r', (long long)(8 * MIB), EINVAL, 0, 0);
	struct direct_reader *r = dr_open("inval.bin", 3, n - 3);
	CHECK(r != NULL && dr_read(r, got, n - 3) == 0);
	CHECK_EQ_INT(atomic_load(&faults), 1);
	CHECK(memcmp(got, payload + 3, n - 3) == 0);
	CHECK_EQ_INT(dr_crc(r, (uint32_t)crc32(0, Z_NULL, 0)), crc_of(payload + 3, n - 3));
	dr_close(r);
	arm(0, 0, 0, 0, 0);
}

/* One I/O thread's read fails half way through a chunk, late (after the
 * other thread has read the next one): the reader reports the error and
 * never delivers the next chunk's bytes in place of the missing ones. */
static void test_read_error(void)
{
	size_t n = 40 * MIB;
	uint32_t crc;
	struct rng g;

	rng_seed(&g, 5);
	CHECK(write_random(&g, "eio.bin", n, 0, &crc) == 0);
	for (int e = 0; e < 2; e++) {
		int err = e == 0 ? EIO : ENOMEM;
		arm('r', (long long)(8 * MIB), err, (long long)(4 * MIB), 300);
		struct direct_reader *r = dr_open("eio.bin", 0, n);
		CHECK(r != NULL);
		CHECK(dr_read(r, got, 8 * MIB) == 0);
		errno = 0;
		int rc = dr_read(r, got + 8 * MIB, 8 * MIB);
		CHECK_EQ_INT(rc, -1);
		CHECK_EQ_INT(errno, err);
		CHECK_EQ_INT(atomic_load(&faults), 1);
		dr_close(r);
	}
	arm(0, 0, 0, 0, 0);
}

/* ENOSPC met by a background write: reported by a later bin_write or the
 * seal with errno kept, and the temporary file removed. */
static void test_enospc(struct rng *g)
{
	static const uint32_t meta[3] = { 9, 8, 7 };
	int files = count_entries(".");

	for (int round = 0; round < 3; round++) {
		struct bin_writer w;
		struct bin_header h;
		size_t n = 32 * MIB + rng_below(g, 16 * MIB);
		int rc;
		struct rng calls;      /* how many calls run depends on timing */
		rng_seed(&calls, rng_u64(g));
		arm('w', (long long)(rng_below(g, (n + 72 + 12) / (8 * MIB)) * 8 * MIB), ENOSPC,
		    round == 1 ? (long long)(3 * 4096) : 0, round == 2 ? 100 : 0);
		u8_header(&h, "DCUEDIO", 1, n, sizeof meta);
		CHECK(bin_create(&w, "nospc.bin", &h, meta) == 0);
		CHECK(w.dw != NULL);
		rc = bin_write_random(&w, &calls, n);
		CHECK_EQ_INT(rc, -1);
		CHECK_EQ_INT(errno, ENOSPC);
		CHECK_EQ_INT(atomic_load(&faults), 1);
		CHECK(access("nospc.bin", F_OK) != 0);
		CHECK_EQ_INT(count_entries("."), files);
	}
	arm(0, 0, 0, 0, 0);
}

/* A file-size limit at a random offset: EFBIG, nothing left. */
static void test_limit(struct rng *g)
{
	struct rlimit old, lim;
	int files = count_entries(".");

	signal(SIGXFSZ, SIG_IGN);
	CHECK(getrlimit(RLIMIT_FSIZE, &old) == 0);
	for (int round = 0; round < 3; round++) {
		struct bin_writer w;
		struct bin_header h;
		size_t n = 32 * MIB + rng_below(g, 8 * MIB);
		int rc;
		struct rng calls;      /* how many calls run depends on timing */
		rng_seed(&calls, rng_u64(g));
		lim = old;
		lim.rlim_cur = 1 + rng_below(g, n + 72 - 1);
		CHECK(setrlimit(RLIMIT_FSIZE, &lim) == 0);
		u8_header(&h, "DCUEDIO", 1, n, 0);
		CHECK(bin_create(&w, "limit.bin", &h, NULL) == 0);
		rc = bin_write_random(&w, &calls, n);
		CHECK(setrlimit(RLIMIT_FSIZE, &old) == 0);
		CHECK_EQ_INT(rc, -1);
		CHECK_EQ_INT(errno, EFBIG);
		CHECK(access("limit.bin", F_OK) != 0);
		CHECK_EQ_INT(count_entries("."), files);
	}
}

/* A file-size limit the file just fits under (its last device write is
 * padded past it): written, not refused. */
static void test_limit_exact(void)
{
	struct rlimit old, lim;
	struct bin_writer w;
	struct bin_header h;
	size_t n = 32 * MIB + 1000;

	signal(SIGXFSZ, SIG_IGN);
	CHECK(getrlimit(RLIMIT_FSIZE, &old) == 0);
	lim = old;
	lim.rlim_cur = BIN_HEADER_BYTES + n;
	CHECK(setrlimit(RLIMIT_FSIZE, &lim) == 0);
	u8_header(&h, "DCUEDIO", 1, n, 0);
	CHECK(bin_create(&w, "exact.bin", &h, NULL) == 0);
	CHECK(w.dw != NULL);
	CHECK(bin_write(&w, payload, n) == 0);
	CHECK(bin_finish(&w) == 0);
	CHECK(setrlimit(RLIMIT_FSIZE, &old) == 0);
	CHECK_EQ_INT(file_size("exact.bin"), BIN_HEADER_BYTES + n);
	unlink("exact.bin");
}

/* binfile round trips: meta, random write and read call sizes (small ones
 * through stdio before the direct reader takes over); a byte flipped at a
 * random place gives "checksum mismatch". */
static void test_binfile_random(struct rng *g)
{
	uint32_t meta[5] = { 1, 2, 3, 4, 5 }, m[5];
	size_t n = 32 * MIB + rng_below(g, 24 * MIB);
	struct bin_writer w;
	struct bin_header h;

	u8_header(&h, "DCUEDIO", 1, n, sizeof meta);
	CHECK(bin_create(&w, "rand.bin", &h, meta) == 0);
	for (size_t at = 0; at < n;) {
		size_t k = call_size(g);
		if (k > n - at)
			k = n - at;
		CHECK(bin_write(&w, payload + at, k) == 0);
		at += k;
	}
	CHECK(bin_finish(&w) == 0);
	for (int round = 0; round < 5; round++) {
		struct bin_reader r;
		long flip = round == 0 ? -1 : (long)(BIN_HEADER_BYTES + rng_below(g, sizeof meta + n));
		int rc = 0;
		if (flip >= 0)
			flip_bits("rand.bin", flip, 1 << rng_below(g, 8));
		CHECK(bin_open(&r, "rand.bin", "DCUEDIO", 1, m, sizeof m) == 0);
		for (size_t at = 0; at < n && rc == 0;) {
			size_t k = rng_below(g, 3) == 0 ? rng_below(g, 3 * MIB) : call_size(g);
			if (k > n - at)
				k = n - at;
			rc = bin_read(&r, got + at, k);
			at += k;
		}
		if (flip < 0) {
			CHECK_EQ_INT(rc, 0);
			CHECK(memcmp(got, payload, n) == 0);
		} else {
			CHECK_EQ_INT(rc, -1);
			CHECK(strstr(r.err, "rand.bin: checksum mismatch") != NULL);
		}
		bin_close(&r);
		if (flip >= 0) {
			/* put the byte back for the next round */
			FILE *fp = fopen("rand.bin", "r+b");
			CHECK(fp != NULL && fseek(fp, flip, SEEK_SET) == 0);
			putc(flip < BIN_HEADER_BYTES + (long)sizeof meta ?
			     ((unsigned char *)meta)[flip - BIN_HEADER_BYTES] :
			     payload[flip - BIN_HEADER_BYTES - (long)sizeof meta], fp);
			fclose(fp);
		}
	}
	unlink("rand.bin");
}

/* A file replaced (renamed over) after bin_open, as a checkpoint is by
 * the next one: the reader goes on reading the file it opened. */
static void test_replaced(void)
{
	struct bin_writer w;
	struct bin_header h;
	struct bin_reader r;
	size_t n = 32 * MIB + 99;

	u8_header(&h, "DCUEDIO", 1, n, 0);
	for (int i = 0; i < 2; i++) {
		CHECK(bin_create(&w, i == 0 ? "ckpt.bin" : "next.bin", &h, NULL) == 0);
		CHECK(bin_write(&w, payload + i * MIB, n) == 0);
		CHECK(bin_finish(&w) == 0);
	}
	CHECK(bin_open(&r, "ckpt.bin", "DCUEDIO", 1, NULL, 0) == 0);
	CHECK(rename("next.bin", "ckpt.bin") == 0);
	CHECK(bin_read(&r, got, 3 * MIB) == 0);
	CHECK(bin_read(&r, got + 3 * MIB, n - 3 * MIB) == 0);
	CHECK_EQ_STR(r.err, "");
	CHECK(memcmp(got, payload, n) == 0);
	bin_close(&r);
	unlink("ckpt.bin");
}

/* Truncated at a random offset after bin_open: "truncated payload" from
 * the read that needs the missing bytes, never a success. */
static void test_truncated(struct rng *g)
{
	struct bin_writer w;
	struct bin_header h;
	size_t n = 48 * MIB + 4321;

	u8_header(&h, "DCUEDIO", 1, n, 0);
	CHECK(bin_create(&w, "full.bin", &h, NULL) == 0);
	CHECK(bin_write(&w, payload, n) == 0);
	CHECK(bin_finish(&w) == 0);
	for (int round = 0; round < 4; round++) {
		struct bin_reader r;
		off_t cut = (off_t)(72 + rng_below(g, n));
		/* a copy, opened, then cut */
		int in = open("full.bin", O_RDONLY);
		int out = open("t.bin", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		off_t size = (off_t)(BIN_HEADER_BYTES + n);
		CHECK(in >= 0 && out >= 0);
		for (off_t done = 0; done < size;) {
			ssize_t k = copy_file_range(in, NULL, out, NULL, (size_t)(size - done), 0);
			if (k <= 0) {
				CHECK(k > 0);
				break;
			}
			done += k;
		}
		close(in);
		close(out);
		CHECK(bin_open(&r, "t.bin", "DCUEDIO", 1, NULL, 0) == 0);
		CHECK(truncate("t.bin", cut) == 0);
		int rc = 0;
		struct rng calls;      /* how many calls run depends on timing */
		rng_seed(&calls, rng_u64(g));
		size_t at = 0;
		while (at < n && rc == 0) {
			size_t k = call_size(&calls);
			if (k < 2 * MIB)
				k += 2 * MIB;
			if (k > n - at)
				k = n - at;
			rc = bin_read(&r, got + at, k);
			at += k;
		}
		CHECK_EQ_INT(rc, -1);
		CHECK(strstr(r.err, "truncated payload") != NULL);
		bin_close(&r);
		unlink("t.bin");
	}
	unlink("full.bin");
}

int main(int argc, char **argv)
{
	struct rng g;

	(void)argc;
	msg_init(argv[0]);
	alarm(60);                 /* a hang fails the test */
	payload = malloc(NMAX);
	got = malloc(NMAX);
	rng_seed(&g, 2026);
	for (size_t i = 0; i < NMAX; i += 8) {
		uint64_t v = rng_u64(&g);
		memcpy(payload + i, &v, 8);
	}
	test_read_error();
	test_einval(&g);
	test_populate(&g);
	test_round_trips(&g);
	test_past_range();
	test_abort(&g);
	test_enospc(&g);
	test_limit(&g);
	test_truncated(&g);
	test_limit_exact();
	test_replaced();
	test_binfile_random(&g);
	free(payload);
	free(got);
	return check_done();
}
