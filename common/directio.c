/* directio.c — see directio.h. */
#define _GNU_SOURCE            /* O_DIRECT */
#include "directio.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#define DIO_BUF ((size_t)8 << 20)   /* per transfer: 1 MiB writes ran at 0.6–0.8× */
#define DIO_NBUF 4                  /* one with the caller, the rest with the I/O */
#define DIO_THREADS 2               /* transfers in flight: one's CRC overlaps the other's */
#define DIO_ALIGN ((size_t)4096)    /* every logical block size in use divides it */
#define DIO_EOF (-1)                /* ring.err: the reader found the file's end */
#define DIO_POPULATE_MIN ((size_t)64 << 20)   /* dr_read's destinations worth a helper */

/* The buffers of both directions.  The file is cut in chunks of DIO_BUF
 * bytes from an aligned offset; chunk j travels in buffer j % DIO_NBUF.
 * The caller fills (writer) or empties (reader) the buffers in chunk order;
 * DIO_THREADS I/O threads claim the chunks in order too, each waiting for
 * its chunk's turn at its buffer, so a buffer never holds two chunks.
 * Each I/O thread computes the CRC-32 of the chunks it moves; the caller
 * joins them in chunk order with crc32_combine. */
enum { FREE = 0, FULL = 1, BUSY = 2 };

struct ring {
	unsigned char *buf[DIO_NBUF];
	size_t skip[DIO_NBUF];      /* bytes before those that count (CRC, delivery) */
	size_t len[DIO_NBUF];       /* end of the bytes that count */
	uint64_t at[DIO_NBUF];      /* file offset of buf[k][0] */
	uint32_t crc[DIO_NBUF];     /* CRC of [skip, len) */
	int full[DIO_NBUF];         /* FREE, FULL or BUSY (an I/O thread's) */
	uint64_t turn[DIO_NBUF];    /* the chunk buffer k takes next */
	uint64_t next;              /* the next chunk an I/O thread claims */
	uint32_t sum;               /* CRC of the chunks joined so far */
	uint64_t sum_len;           /* their counting bytes */
	pthread_mutex_t lock;
	pthread_cond_t cond;        /* a mark, an error, stop */
	int stop;                   /* the caller is done */
	int err;                    /* an I/O thread's first errno, or DIO_EOF */
	int fd;
	pthread_t io[DIO_THREADS];
	int n_io;                   /* threads started */
};

static void ring_free(struct ring *r)
{
	for (int k = 0; k < DIO_NBUF; k++)
		free(r->buf[k]);
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->cond);
}

/* Buffers, path opened with flags | O_DIRECT, threads I/O threads started
 * on the object that holds r.  0, or an errno value (nothing left open). */
static int ring_start(struct ring *r, const char *path, int flags, int threads,
                      void *(*fn)(void *), void *obj)
{
	int e;

	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	r->sum = (uint32_t)crc32(0, Z_NULL, 0);
	for (int k = 0; k < DIO_NBUF; k++)
		r->turn[k] = (uint64_t)k;
	for (int k = 0; k < DIO_NBUF; k++)
		if ((e = posix_memalign((void **)&r->buf[k], DIO_ALIGN, DIO_BUF)) != 0)
			goto fail;
	r->fd = open(path, flags | O_DIRECT | O_CLOEXEC);
	if (r->fd < 0) {
		e = errno;
		goto fail;
	}
	for (; r->n_io < threads; r->n_io++)
		if ((e = pthread_create(&r->io[r->n_io], NULL, fn, obj)) != 0)
			break;
	if (r->n_io == 0) {
		close(r->fd);
		goto fail;
	}
	return 0;               /* fewer threads than asked still work */
fail:
	ring_free(r);
	return e;
}

/* Waits until buffer k is in state want (FULL or FREE); 0 when instead an
 * I/O thread failed or the caller stopped. */
static int ring_wait(struct ring *r, int k, int want)
{
	int ok;

	pthread_mutex_lock(&r->lock);
	while (r->full[k] != want && r->err == 0 && !r->stop)
		pthread_cond_wait(&r->cond, &r->lock);
	ok = r->full[k] == want;
	pthread_mutex_unlock(&r->lock);
	return ok;
}

static void ring_mark(struct ring *r, int k, int full, int err)
{
	pthread_mutex_lock(&r->lock);
	r->full[k] = full;
	if (err != 0 && r->err == 0)
		r->err = err;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
}

static int ring_err(struct ring *r)
{
	int e;

	pthread_mutex_lock(&r->lock);
	e = r->err;
	pthread_mutex_unlock(&r->lock);
	return e;
}

/* Tells the I/O threads the caller is done and waits for them (a writer's
 * threads first write every full buffer).  Their first error, or 0. */
static int ring_stop(struct ring *r)
{
	int e;

	pthread_mutex_lock(&r->lock);
	r->stop = 1;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
	for (int t = 0; t < r->n_io; t++)
		pthread_join(r->io[t], NULL);
	e = r->err;
	return e;
}

/* ring_stop, then the file closed and the buffers freed (errors dropped). */
static void ring_close(struct ring *r)
{
	(void)ring_stop(r);
	close(r->fd);
	ring_free(r);
}

/* Turns O_DIRECT off for every later transfer (idempotent); 0 or -1. */
static int drop_direct(struct ring *r)
{
	int fl, rc = -1;

	pthread_mutex_lock(&r->lock);
	fl = fcntl(r->fd, F_GETFL);
	if (fl != -1 && fcntl(r->fd, F_SETFL, fl & ~O_DIRECT) != -1)
		rc = 0;
	pthread_mutex_unlock(&r->lock);
	return rc;
}

/* n bytes between p and the file at off; *got the bytes moved (short only
 * when a read meets the file's end).  0 or an errno value.  A transfer
 * that O_DIRECT refuses (EINVAL) is retried, and every later one made,
 * through the page cache. */
static int transfer(struct ring *r, int writing, unsigned char *p, size_t n, uint64_t off,
                    size_t *got)
{
	int retried = 0;

	for (*got = 0; *got < n;) {
		ssize_t k = writing ? pwrite(r->fd, p + *got, n - *got, (off_t)(off + *got))
		                    : pread(r->fd, p + *got, n - *got, (off_t)(off + *got));
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && errno == EINVAL && !retried) {
			if (drop_direct(r) != 0)
				return EINVAL;
			retried = 1;
			continue;
		}
		if (k < 0)
			return errno;
		if (k == 0)
			return writing ? EIO : 0;
		*got += (size_t)k;
	}
	return 0;
}

/* For an I/O thread: claims the next chunk below limit once its buffer
 * is in state want (FREE to read into, FULL to write out) and its turn has
 * come, marking it BUSY.  0 with *j, *k set; -1 when there is none, the
 * caller stopped or a thread failed. */
static int claim(struct ring *r, int want, uint64_t limit, uint64_t *j, int *k)
{
	int ok = 0;

	pthread_mutex_lock(&r->lock);
	if (r->next < limit && r->err == 0) {
		*j = r->next++;
		*k = (int)(*j % DIO_NBUF);
		while ((r->full[*k] != want || r->turn[*k] != *j) && r->err == 0 && !r->stop)
			pthread_cond_wait(&r->cond, &r->lock);
		if (r->full[*k] == want && r->turn[*k] == *j && r->err == 0) {
			r->full[*k] = BUSY;
			r->turn[*k] += DIO_NBUF;
			ok = 1;
		}
	}
	pthread_mutex_unlock(&r->lock);
	return ok ? 0 : -1;
}

/* The CRC of buffer k's counting bytes, joined to the caller's sum. */
static void join_crc(struct ring *r, int k)
{
	r->sum = (uint32_t)crc32_combine(r->sum, r->crc[k], (z_off_t)(r->len[k] - r->skip[k]));
	r->sum_len += r->len[k] - r->skip[k];
}

static void chunk_crc(struct ring *r, int k)
{
	r->crc[k] = (uint32_t)crc32(crc32(0, Z_NULL, 0), r->buf[k] + r->skip[k],
	                            (uInt)(r->len[k] - r->skip[k]));
}

/* ---- writer ---- */

struct direct_writer {
	struct ring r;
	uint64_t crc_from;          /* the CRC covers the bytes from here on */
	uint64_t filled;            /* chunks handed to the I/O threads */
	uint64_t joined;            /* chunks whose CRC is in r.sum */
	uint64_t total;             /* bytes given */
};

static void *write_thread(void *arg)
{
	struct direct_writer *d = arg;
	struct ring *r = &d->r;
	uint64_t j;
	int k;

	while (claim(r, FULL, UINT64_MAX, &j, &k) == 0) {
		uint64_t at = r->at[k];
		r->skip[k] = d->crc_from <= at ? 0 : d->crc_from - at < r->len[k] ?
		             (size_t)(d->crc_from - at) : r->len[k];
		chunk_crc(r, k);
		/* the tail is padded (zeros, cut off by dw_close) */
		size_t n = (r->len[k] + DIO_ALIGN - 1) & ~(DIO_ALIGN - 1), got;
		memset(r->buf[k] + r->len[k], 0, n - r->len[k]);
		int e = transfer(r, 1, r->buf[k], n, at, &got);
		if (e == EFBIG && got >= r->len[k])
			e = 0;              /* only the padding is past the size limit */
		ring_mark(r, k, FREE, e);
		if (e != 0)
			break;
	}
	return NULL;
}

struct direct_writer *dw_open(const char *path, uint64_t crc_from)
{
	struct direct_writer *d = calloc(1, sizeof *d);
	int e;

	if (d == NULL)
		return NULL;
	d->crc_from = crc_from;
	if ((e = ring_start(&d->r, path, O_WRONLY, DIO_THREADS, write_thread, d)) != 0) {
		free(d);
		errno = e;
		return NULL;
	}
	return d;
}

/* Hands the filling chunk to the I/O threads and takes the next one's
 * buffer once it is written, joining the CRC of the chunk it held.  0, or
 * -1 with errno. */
static int submit(struct direct_writer *d)
{
	struct ring *r = &d->r;
	int k;

	ring_mark(r, (int)(d->filled % DIO_NBUF), FULL, 0);
	d->filled++;
	k = (int)(d->filled % DIO_NBUF);
	if (!ring_wait(r, k, FREE) || ring_err(r) != 0) {
		errno = ring_err(r);
		return -1;
	}
	if (d->filled >= DIO_NBUF) {
		join_crc(r, k);
		d->joined++;
	}
	r->len[k] = 0;
	r->at[k] = d->total;
	return 0;
}

int dw_write(struct direct_writer *d, const void *buf, size_t n)
{
	struct ring *r = &d->r;
	const unsigned char *p = buf;

	while (n > 0) {
		int f = (int)(d->filled % DIO_NBUF);
		size_t k = DIO_BUF - r->len[f];
		if (k > n)
			k = n;
		memcpy(r->buf[f] + r->len[f], p, k);
		r->len[f] += k;
		d->total += k;
		p += k;
		n -= k;
		if (r->len[f] == DIO_BUF && submit(d) != 0)
			return -1;
	}
	return 0;
}

int dw_close(struct direct_writer *d, uint32_t *crc)
{
	struct ring *r = &d->r;
	int e;

	if (r->len[d->filled % DIO_NBUF] > 0) {
		ring_mark(r, (int)(d->filled % DIO_NBUF), FULL, 0);
		d->filled++;
	}
	e = ring_stop(r);
	for (; e == 0 && d->joined < d->filled; d->joined++)
		join_crc(r, (int)(d->joined % DIO_NBUF));
	if (e == 0 && ftruncate(r->fd, (off_t)d->total) != 0)
		e = errno;
	if (close(r->fd) != 0 && e == 0)
		e = errno;
	*crc = r->sum;
	ring_free(r);
	free(d);
	if (e != 0) {
		errno = e;
		return -1;
	}
	return 0;
}

void dw_abort(struct direct_writer *d)
{
	int saved = errno;

	ring_close(&d->r);
	free(d);
	errno = saved;
}

/* ---- reader ---- */

struct direct_reader {
	struct ring r;
	uint64_t off, end;          /* the range delivered */
	uint64_t take;              /* the chunk the caller empties */
	uint64_t done;              /* bytes delivered */
	int have;                   /* it is full and taken */
	size_t pos;                 /* next byte of it */
};

static void *read_thread(void *arg)
{
	struct direct_reader *d = arg;
	struct ring *r = &d->r;
	uint64_t base = d->off & ~(uint64_t)(DIO_ALIGN - 1), j;
	uint64_t stop = (d->end + DIO_ALIGN - 1) & ~(uint64_t)(DIO_ALIGN - 1);
	uint64_t chunks = (stop - base + DIO_BUF - 1) / DIO_BUF;
	int k;

	while (claim(r, FREE, chunks, &j, &k) == 0) {
		uint64_t at = base + j * DIO_BUF;
		size_t n = stop - at < DIO_BUF ? (size_t)(stop - at) : DIO_BUF, got;
		int e = transfer(r, 0, r->buf[k], n, at, &got);
		uint64_t from = at > d->off ? at : d->off;
		uint64_t to = at + got < d->end ? at + got : d->end;
		if (e == 0 && got < n && to < d->end)
			e = DIO_EOF;            /* the file ends before the range */
		r->at[k] = at;
		r->skip[k] = from < to ? (size_t)(from - at) : 0;
		r->len[k] = from < to ? (size_t)(to - at) : 0;
		chunk_crc(r, k);
		ring_mark(r, k, FULL, e);
		if (e != 0)
			break;
	}
	return NULL;
}

struct direct_reader *dr_open(const char *path, uint64_t off, uint64_t n)
{
	struct direct_reader *d = calloc(1, sizeof *d);
	int e;

	if (d == NULL)
		return NULL;
	d->off = off;
	d->end = off + n;
	if ((e = ring_start(&d->r, path, O_RDONLY, DIO_THREADS, read_thread, d)) != 0) {
		free(d);
		errno = e;
		return NULL;
	}
	return d;
}

/* A large destination's first touch (page faults and zeroing: on a
 * virtual machine often dearer than the device's transfer) shared with a
 * helper thread that faults its pages in ahead of the copy with
 * MADV_POPULATE_WRITE, which leaves their contents as they are.  Where
 * the kernel has no such advice the copy alone touches them. */
struct populate {
	unsigned char *p;
	size_t n;
	atomic_size_t copied;       /* the copy's progress */
	atomic_int stop;
	pthread_t t;
};

static void *populate_thread(void *arg)
{
	struct populate *pp = arg;
	uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE);

	for (size_t a = 0; a < pp->n && !atomic_load(&pp->stop); a += DIO_BUF) {
		size_t c = atomic_load(&pp->copied);
		if (a < c + DIO_BUF)
			a = c + DIO_BUF;    /* the copy caught up: go ahead of it */
		if (a >= pp->n)
			break;
		uintptr_t lo = (uintptr_t)(pp->p + a) & ~(pg - 1);
		size_t len = (pp->n - a < DIO_BUF ? pp->n - a : DIO_BUF) + (size_t)((uintptr_t)(pp->p + a) - lo);
		if (madvise((void *)lo, len, MADV_POPULATE_WRITE) != 0)
			break;
	}
	return NULL;
}

static int read_into(struct direct_reader *d, unsigned char *p, size_t n,
                     struct populate *pp);

int dr_read(struct direct_reader *d, void *dst, size_t n)
{
	struct populate pp = { .p = dst, .n = n };
	int rc, helped;

	if (n > d->end - d->off - d->done)
		return 1;               /* past the range: no chunk brings those */
	atomic_init(&pp.copied, 0);
	atomic_init(&pp.stop, 0);
	helped = n >= DIO_POPULATE_MIN && pthread_create(&pp.t, NULL, populate_thread, &pp) == 0;
	rc = read_into(d, dst, n, helped ? &pp : NULL);
	if (helped) {
		atomic_store(&pp.stop, 1);
		pthread_join(pp.t, NULL);
	}
	if (rc == 0)
		d->done += n;
	return rc;
}

/* dr_read's copy; pp (or NULL) is told its progress. */
static int read_into(struct direct_reader *d, unsigned char *p, size_t n, struct populate *pp)
{
	struct ring *r = &d->r;
	unsigned char *start = p;

	while (n > 0) {
		int k = (int)(d->take % DIO_NBUF);
		if (!d->have) {
			if (!ring_wait(r, k, FULL)) {
				int e = ring_err(r);
				if (e == DIO_EOF)
					return 1;
				errno = e;
				return -1;
			}
			d->have = 1;
			d->pos = r->skip[k];
		}
		size_t c = r->len[k] - d->pos < n ? r->len[k] - d->pos : n;
		memcpy(p, r->buf[k] + d->pos, c);
		d->pos += c;
		p += c;
		n -= c;
		if (pp != NULL)
			atomic_store(&pp->copied, (size_t)(p - start));
		if (d->pos == r->len[k]) {
			/* emptied; one short of its chunk's end (the file ended
			 * there, or its read failed) ends the delivery: the next
			 * chunk's bytes do not belong here */
			uint64_t want = d->end - r->at[k] < DIO_BUF ? d->end - r->at[k] : DIO_BUF;
			if (r->len[k] < want) {
				int e = ring_err(r);
				if (e == DIO_EOF)
					return 1;
				errno = e != 0 ? e : EIO;
				return -1;
			}
			join_crc(r, k);
			d->have = 0;
			ring_mark(r, k, FREE, 0);
			d->take++;
		}
	}
	return 0;
}

uint32_t dr_crc(const struct direct_reader *d, uint32_t crc)
{
	return (uint32_t)crc32_combine(crc, d->r.sum, (z_off_t)d->r.sum_len);
}

void dr_close(struct direct_reader *d)
{
	ring_close(&d->r);
	free(d);
}
