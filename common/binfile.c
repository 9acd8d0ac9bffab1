/* binfile.c — see binfile.h. */
#define _POSIX_C_SOURCE 200809L
#include "binfile.h"
#include "directio.h"
#include "msg.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void put64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get32(const unsigned char *p)
{
	uint32_t v = 0;
	for (int i = 3; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* zlib's crc32 takes uInt lengths; feed large buffers in pieces. */
static uint32_t crc_update(uint32_t crc, const void *buf, size_t n)
{
	const unsigned char *p = buf;

	while (n > 0) {
		uInt chunk = n > (1u << 30) ? (1u << 30) : (uInt)n;
		crc = (uint32_t)crc32(crc, p, chunk);
		p += chunk;
		n -= chunk;
	}
	return crc;
}

/* Large payload reads and writes (checkpoints of a million playlists, GBs)
 * go straight between the caller's buffer and the file with pread/pwrite,
 * in BIN_CHUNK pieces shared out to a few threads, each also computing its
 * pieces' CRC-32; the pieces' CRCs are then joined in file order with
 * zlib's crc32_combine.  One pass over the bytes, the copy and the CRC
 * spread over the cores: a lone thread pays the page-cache copy plus the
 * CRC (~1.4 GB/s here) one after the other, well below what the disk or
 * the page cache serves.  Smaller transfers stay on stdio. */
#define BIN_CHUNK ((size_t)1 << 20)
#define BIN_PAR_MIN (2 * BIN_CHUNK)
#define BIN_MAX_THREADS 4

struct par_io {
	int fd;
	int writing;
	unsigned char *buf;        /* [n] */
	size_t n;
	off_t off;                 /* file offset of buf[0] */
	size_t n_chunks;
	uint32_t *crc;             /* [n_chunks], each from crc32(0) */
	pthread_mutex_t lock;
	size_t next;               /* next chunk to take */
	int err;                   /* first errno; -1: end of file on a read */
};

static size_t par_take(struct par_io *io)
{
	size_t i;

	pthread_mutex_lock(&io->lock);
	i = io->err != 0 ? io->n_chunks : io->next++;
	pthread_mutex_unlock(&io->lock);
	return i;
}

static void par_fail(struct par_io *io, int err)
{
	pthread_mutex_lock(&io->lock);
	if (io->err == 0)
		io->err = err;
	pthread_mutex_unlock(&io->lock);
}

static void *par_worker(void *arg)
{
	struct par_io *io = arg;

	for (size_t i; (i = par_take(io)) < io->n_chunks;) {
		size_t a = i * BIN_CHUNK, len = io->n - a < BIN_CHUNK ? io->n - a : BIN_CHUNK;
		unsigned char *p = io->buf + a;
		for (size_t done = 0; done < len;) {
			off_t at = io->off + (off_t)(a + done);
			ssize_t k = io->writing ? pwrite(io->fd, p + done, len - done, at)
			                        : pread(io->fd, p + done, len - done, at);
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0) {
				par_fail(io, k < 0 ? errno : io->writing ? EIO : -1);
				return NULL;
			}
			done += (size_t)k;
		}
		io->crc[i] = crc_update((uint32_t)crc32(0, Z_NULL, 0), p, len);
	}
	return NULL;
}

static int par_threads(void)
{
	static int n;

	if (n == 0) {
		long c = sysconf(_SC_NPROCESSORS_ONLN);
		n = c < 1 ? 1 : c > BIN_MAX_THREADS ? BIN_MAX_THREADS : (int)c;
	}
	return n;
}

/* n bytes between buf and fd at off; *crc continued over them in order.
 * 0, or an errno value (-1: the file ended early on a read). */
static int par_transfer(int fd, int writing, void *buf, size_t n, off_t off, uint32_t *crc)
{
	struct par_io io = { .fd = fd, .writing = writing, .buf = buf, .n = n, .off = off };
	pthread_t tid[BIN_MAX_THREADS];
	int nt = par_threads(), started = 0;

	io.n_chunks = (n + BIN_CHUNK - 1) / BIN_CHUNK;
	io.crc = malloc(io.n_chunks * sizeof *io.crc);
	if (io.crc == NULL)
		return ENOMEM;
	pthread_mutex_init(&io.lock, NULL);
	/* the caller's thread works too; without helper threads it does it all */
	while (started < nt - 1 && pthread_create(&tid[started], NULL, par_worker, &io) == 0)
		started++;
	par_worker(&io);
	for (int t = 0; t < started; t++)
		pthread_join(tid[t], NULL);
	pthread_mutex_destroy(&io.lock);
	if (io.err == 0)
		for (size_t i = 0; i < io.n_chunks; i++) {
			size_t len = i + 1 < io.n_chunks ? BIN_CHUNK : n - i * BIN_CHUNK;
			*crc = (uint32_t)crc32_combine(*crc, io.crc[i], (z_off_t)len);
		}
	free(io.crc);
	return io.err;
}

static void encode_header(unsigned char *b, const struct bin_header *h)
{
	memset(b, 0, BIN_HEADER_BYTES);
	memcpy(b, h->magic, BIN_MAGIC_BYTES);
	put32(b + 8, h->version);
	put32(b + 12, h->dtype);
	for (int i = 0; i < 4; i++)
		put64(b + 16 + 8 * i, h->dims[i]);
	put32(b + 48, h->meta_bytes);
	put64(b + 56, h->payload_bytes);
	put32(b + 64, h->data_crc);
	put32(b + 68, crc_update((uint32_t)crc32(0, Z_NULL, 0), b, 68));
}

int bin_create(struct bin_writer *w, const char *path, const struct bin_header *h,
               const void *meta)
{
	unsigned char b[BIN_HEADER_BYTES];

	memset(w, 0, sizeof *w);
	if (strcmp(path, "-") == 0) {
		errno = ESPIPE;       /* the CRC is patched in place: needs a file */
		return -1;
	}
	if (atomic_open(&w->af, path) != 0)
		return -1;
	w->h = *h;
	w->h.data_crc = 0;
	w->crc = (uint32_t)crc32(0, Z_NULL, 0);
	encode_header(b, &w->h);
	/* a large file goes around the page cache (directio.h) when its
	 * file system allows, else through stdio and par_transfer */
	if (h->payload_bytes >= BIN_DIRECT_MIN && w->af.tmp != NULL)
		w->dw = dw_open(w->af.tmp, BIN_HEADER_BYTES);   /* it computes the CRC */
	if (w->dw != NULL ? dw_write(w->dw, b, sizeof b) != 0 :
	                    fwrite(b, 1, sizeof b, w->af.fp) != sizeof b)
		goto fail;
	if (h->meta_bytes > 0) {
		if (w->dw != NULL ? dw_write(w->dw, meta, h->meta_bytes) != 0 :
		                    fwrite(meta, 1, h->meta_bytes, w->af.fp) != h->meta_bytes)
			goto fail;
		w->crc = crc_update(w->crc, meta, h->meta_bytes);
	}
	return 0;
fail:
	bin_abort(w);
	return -1;
}

int bin_write(struct bin_writer *w, const void *buf, size_t n)
{
	if (n == 0)
		return 0;
	if (w->written + n > w->h.payload_bytes) {
		errno = EINVAL;
		return -1;
	}
	if (w->dw != NULL) {
		if (dw_write(w->dw, buf, n) != 0)
			return -1;
		w->written += n;
		return 0;
	}
	if (n >= BIN_PAR_MIN) {
		/* past whatever stdio holds: flush it, write at the payload's
		 * offset, then move stdio's position past the new bytes */
		off_t off = (off_t)(BIN_HEADER_BYTES + w->h.meta_bytes + w->written);
		int e;
		if (fflush(w->af.fp) != 0)
			return -1;
		e = par_transfer(fileno(w->af.fp), 1, (void *)buf, n, off, &w->crc);
		if (e != 0) {
			errno = e;
			return -1;
		}
		if (fseeko(w->af.fp, off + (off_t)n, SEEK_SET) != 0)
			return -1;
		w->written += n;
		return 0;
	}
	if (fwrite(buf, 1, n, w->af.fp) != n)
		return -1;
	w->crc = crc_update(w->crc, buf, n);
	w->written += n;
	return 0;
}

int bin_seal(struct bin_writer *w)
{
	unsigned char b[BIN_HEADER_BYTES];

	if (w->written != w->h.payload_bytes) {
		bin_abort(w);
		errno = EINVAL;
		return -1;
	}
	if (w->dw != NULL) {
		/* every byte is on the device; the header's CRCs go in through
		 * the page cache (atomic_commit's fsync writes them) */
		struct direct_writer *dw = w->dw;
		w->dw = NULL;
		if (dw_close(dw, &w->crc) == 0) {
			w->h.data_crc = w->crc;
			encode_header(b, &w->h);
			if (pwrite(fileno(w->af.fp), b, sizeof b, 0) == sizeof b)
				return 0;
		}
		int saved = errno ? errno : EIO;
		bin_abort(w);
		errno = saved;
		return -1;
	}
	w->h.data_crc = w->crc;
	encode_header(b, &w->h);
	if (fflush(w->af.fp) != 0 || fseek(w->af.fp, 0, SEEK_SET) != 0 ||
	    fwrite(b, 1, sizeof b, w->af.fp) != sizeof b) {
		int saved = errno;
		bin_abort(w);
		errno = saved;
		return -1;
	}
	return 0;
}

int bin_finish(struct bin_writer *w)
{
	if (bin_seal(w) != 0)
		return -1;
	return atomic_commit(&w->af);
}

void bin_abort(struct bin_writer *w)
{
	int saved = errno;

	if (w->dw != NULL) {
		dw_abort(w->dw);
		w->dw = NULL;
	}
	atomic_abort(&w->af);
	errno = saved;
}

static int fail(struct bin_reader *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct bin_reader *r, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(r->err, sizeof r->err, "%s: ", r->path);

	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < sizeof r->err)
		vsnprintf(r->err + n, sizeof r->err - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static void printable_magic(char *out, const unsigned char *m)
{
	for (int i = 0; i < BIN_MAGIC_BYTES; i++)
		out[i] = (m[i] >= 0x20 && m[i] < 0x7f) ? (char)m[i] : '.';
	out[BIN_MAGIC_BYTES] = '\0';
}

int bin_open(struct bin_reader *r, const char *path, const char *magic,
             uint32_t max_version, void *meta, size_t meta_cap)
{
	unsigned char b[BIN_HEADER_BYTES];
	char want[BIN_MAGIC_BYTES + 1], got[BIN_MAGIC_BYTES + 1];
	struct stat st;
	size_t n;

	memset(r, 0, sizeof *r);
	r->path = path;
	r->fp = fopen(path, "rb");
	if (r->fp == NULL)
		return fail(r, "cannot open: %s", strerror(errno));
	if (fstat(fileno(r->fp), &st) != 0)
		return fail(r, "cannot stat: %s", strerror(errno));
	/* read front to back once: a larger read-ahead (advice only) */
	(void)posix_fadvise(fileno(r->fp), 0, 0, POSIX_FADV_SEQUENTIAL);
	n = fread(b, 1, sizeof b, r->fp);
	if (ferror(r->fp))
		return fail(r, "read error: %s", strerror(errno));
	if (n == 0)
		return fail(r, "empty file");
	printable_magic(want, (const unsigned char *)magic);
	if (n < BIN_MAGIC_BYTES || memcmp(b, magic, BIN_MAGIC_BYTES) != 0) {
		printable_magic(got, b);
		return fail(r, "not a %s file (magic '%.*s', expected '%s')", want,
		            (int)(n < BIN_MAGIC_BYTES ? n : BIN_MAGIC_BYTES), got, want);
	}
	if (n < sizeof b)
		return fail(r, "truncated header (%zu of %d bytes)", n, BIN_HEADER_BYTES);
	if (get32(b + 68) != crc_update((uint32_t)crc32(0, Z_NULL, 0), b, 68))
		return fail(r, "header checksum mismatch (corrupt header)");
	memcpy(r->h.magic, b, BIN_MAGIC_BYTES);
	r->h.version = get32(b + 8);
	r->h.dtype = get32(b + 12);
	for (int i = 0; i < 4; i++)
		r->h.dims[i] = get64(b + 16 + 8 * i);
	r->h.meta_bytes = get32(b + 48);
	r->h.payload_bytes = get64(b + 56);
	r->h.data_crc = get32(b + 64);
	if (r->h.version == 0 || r->h.version > max_version)
		return fail(r, "%s version %u is not supported (this build reads up to %u)",
		            want, r->h.version, max_version);
	if (r->h.meta_bytes != meta_cap)
		return fail(r, "header has %u bytes of metadata, expected %zu",
		            r->h.meta_bytes, meta_cap);
	if (r->h.payload_bytes > (uint64_t)st.st_size ||
	    (uint64_t)st.st_size != BIN_HEADER_BYTES + (uint64_t)r->h.meta_bytes + r->h.payload_bytes)
		return fail(r, "size is %lld bytes, header says %llu (truncated or padded file)",
		            (long long)st.st_size,
		            (unsigned long long)(BIN_HEADER_BYTES + r->h.meta_bytes + r->h.payload_bytes));
	r->crc = (uint32_t)crc32(0, Z_NULL, 0);
	if (meta_cap > 0) {
		if (fread(meta, 1, meta_cap, r->fp) != meta_cap)
			return fail(r, "truncated metadata");
		r->crc = crc_update(r->crc, meta, meta_cap);
	}
	if (r->h.payload_bytes == 0 && r->crc != r->h.data_crc)
		return fail(r, "checksum mismatch (corrupt data)");
	return 0;
}

/* The rest of a large payload through a direct_reader (directio.h),
 * from the first large read on: 1 when started.  It opens the file r->fp
 * has open (through /proc), not whatever path names by now: a checkpoint
 * renamed over it is not read. */
static int start_direct(struct bin_reader *r)
{
	uint64_t off = BIN_HEADER_BYTES + (uint64_t)r->h.meta_bytes + r->consumed;
	char self[64];

	snprintf(self, sizeof self, "/proc/self/fd/%d", fileno(r->fp));
	r->dr = dr_open(self, off, r->h.payload_bytes - r->consumed);
	if (r->dr == NULL)
		return 0;
	r->dr_crc0 = r->crc;
	return 1;
}

int bin_read(struct bin_reader *r, void *dst, size_t n)
{
	if (r->consumed + n > r->h.payload_bytes)
		return fail(r, "read past the end of the payload");
	if (r->dr != NULL || (n >= BIN_PAR_MIN && r->h.payload_bytes >= BIN_DIRECT_MIN &&
	                      start_direct(r))) {
		int e = dr_read(r->dr, dst, n);
		if (e != 0)
			return e > 0 ? fail(r, "truncated payload")
			             : fail(r, "read error: %s", strerror(errno));
		r->consumed += n;
		if (r->consumed == r->h.payload_bytes) {
			r->crc = dr_crc(r->dr, r->dr_crc0);
			if (r->crc != r->h.data_crc)
				return fail(r, "checksum mismatch (corrupt data)");
		}
		return 0;
	}
	if (n >= BIN_PAR_MIN) {
		/* straight into dst at the payload's offset (stdio's buffer is
		 * dropped by the fseeko after) */
		off_t off = (off_t)(BIN_HEADER_BYTES + r->h.meta_bytes + r->consumed);
		int e = par_transfer(fileno(r->fp), 0, dst, n, off, &r->crc);
		if (e != 0)
			return e < 0 ? fail(r, "truncated payload")
			             : fail(r, "read error: %s", strerror(e));
		if (fseeko(r->fp, off + (off_t)n, SEEK_SET) != 0)
			return fail(r, "cannot seek: %s", strerror(errno));
	} else {
		if (n > 0 && fread(dst, 1, n, r->fp) != n)
			return fail(r, ferror(r->fp) ? "read error" : "truncated payload");
		r->crc = crc_update(r->crc, dst, n);
	}
	r->consumed += n;
	if (r->consumed == r->h.payload_bytes && r->crc != r->h.data_crc)
		return fail(r, "checksum mismatch (corrupt data)");
	return 0;
}

int bin_verify(struct bin_reader *r)
{
	unsigned char buf[1 << 16];
	long start = ftell(r->fp);
	uint32_t crc = r->crc;
	uint64_t left = r->h.payload_bytes - r->consumed;

	if (r->dr != NULL)
		return fail(r, "cannot verify after a direct read");   /* callers verify first */
	if (start < 0)
		return fail(r, "cannot seek: %s", strerror(errno));
	while (left > 0) {
		size_t n = left < sizeof buf ? (size_t)left : sizeof buf;
		if (fread(buf, 1, n, r->fp) != n)
			return fail(r, ferror(r->fp) ? "read error" : "truncated payload");
		crc = crc_update(crc, buf, n);
		left -= n;
	}
	if (crc != r->h.data_crc)
		return fail(r, "checksum mismatch (corrupt data)");
	if (fseek(r->fp, start, SEEK_SET) != 0)
		return fail(r, "cannot seek: %s", strerror(errno));
	return 0;
}

void *bin_read_all(struct bin_reader *r)
{
	uint64_t left = r->h.payload_bytes - r->consumed;
	void *buf;

	if (left > SIZE_MAX) {
		fail(r, "payload too large for this machine");
		return NULL;
	}
	buf = malloc(left ? (size_t)left : 1);
	if (buf == NULL) {
		fail(r, "out of memory for %llu bytes", (unsigned long long)left);
		return NULL;
	}
	if (bin_read(r, buf, (size_t)left) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

void bin_close(struct bin_reader *r)
{
	if (r->dr != NULL)
		dr_close(r->dr);
	r->dr = NULL;
	if (r->fp != NULL)
		fclose(r->fp);
	r->fp = NULL;
}

const char *bin_dtype_name(uint32_t dtype)
{
	switch (dtype) {
	case BIN_U8: return "u8";
	case BIN_F32: return "f32";
	case BIN_U32: return "u32";
	case BIN_U64: return "u64";
	case BIN_I32: return "i32";
	case BIN_F64: return "f64";
	case BIN_MIXED: return "mixed";
	}
	return "unknown";
}

size_t bin_dtype_size(uint32_t dtype)
{
	switch (dtype) {
	case BIN_U8: return 1;
	case BIN_F32: case BIN_U32: case BIN_I32: return 4;
	case BIN_U64: case BIN_F64: return 8;
	}
	return 0;
}
