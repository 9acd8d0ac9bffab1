/* binfile.h — the one container every dcue binary file uses.
 *
 * Layout (all integers little-endian; docs/formats.md is the reference):
 *
 *   off size field
 *     0    8 magic          e.g. "DCUEMEL\0", "DCUEPLS\0"; identifies the kind
 *     8    4 version        of that kind's layout; readers refuse newer ones
 *    12    4 dtype          BIN_U8, BIN_F32, ... of the main payload array
 *    16   32 dims[4]        u64 each; meaning defined per kind, unused = 0
 *    48    4 meta_bytes     kind-specific fixed fields that follow the header
 *    52    4 reserved       0
 *    56    8 payload_bytes
 *    64    4 data_crc       CRC-32 (zlib) of meta followed by payload
 *    68    4 header_crc     CRC-32 of bytes 0..67
 *    72      meta, then payload; the file ends exactly there
 *
 * Writers stream the payload (CRC computed on the fly) through an atomic
 * file; readers check magic, version, header CRC, the file's exact size and
 * the data CRC, and report what is wrong in a message naming the file.
 * Both make one pass over the bytes.  A payload of BIN_DIRECT_MIN bytes or
 * more goes around the page cache (directio.h: aligned buffers, O_DIRECT,
 * a background I/O thread); where the file system refuses that, and for
 * smaller payloads, a bin_write or bin_read of 2 MiB or more goes straight
 * between the caller's buffer and the file (pwrite, pread) in 1 MiB pieces
 * spread over up to 4 threads, each piece's CRC computed by the thread
 * that moved it and joined with crc32_combine. */
#ifndef DCUE_BINFILE_H
#define DCUE_BINFILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "atomic.h"

#define BIN_HEADER_BYTES 72
#define BIN_MAGIC_BYTES 8

enum bin_dtype { BIN_U8 = 1, BIN_F32 = 2, BIN_U32 = 3, BIN_U64 = 4, BIN_I32 = 5, BIN_F64 = 6, BIN_MIXED = 7 };

struct bin_header {
	char magic[BIN_MAGIC_BYTES];
	uint32_t version;
	uint32_t dtype;
	uint64_t dims[4];
	uint32_t meta_bytes;
	uint64_t payload_bytes;
	uint32_t data_crc;
};

struct direct_writer;
struct direct_reader;

/* Files whose payload is at least this large are written, and read from
 * their first bin_read of 2 MiB or more, around the page cache
 * (directio.h) where the file system allows it. */
#define BIN_DIRECT_MIN ((uint64_t)32 << 20)

struct bin_writer {
	struct atomic_file af;
	struct direct_writer *dw;  /* NULL: through stdio (and par_transfer) */
	struct bin_header h;
	uint32_t crc;
	uint64_t written;          /* payload bytes so far */
};

/* Opens path atomically and writes header + meta; payload_bytes must be the
 * exact total that bin_write() calls will deliver.  -1 with errno on error. */
int bin_create(struct bin_writer *w, const char *path, const struct bin_header *h,
               const void *meta);
int bin_write(struct bin_writer *w, const void *buf, size_t n);
/* Checks the byte count, patches the CRC in, commits.  -1 on error (errno,
 * or EINVAL when the payload size did not match). */
int bin_finish(struct bin_writer *w);
void bin_abort(struct bin_writer *w);
/* bin_finish without the commit: the file is complete in w->af, to be
 * committed with others by atomic_commit_set().  On error it is aborted. */
int bin_seal(struct bin_writer *w);

struct bin_reader {
	FILE *fp;
	const char *path;
	struct bin_header h;
	uint32_t crc;
	uint64_t consumed;         /* payload bytes read so far */
	struct direct_reader *dr;  /* from the first large read of a large payload */
	uint32_t dr_crc0;          /* crc when dr took over */
	char err[512];             /* why the last call failed, naming the file */
};

/* Opens and validates the header against the expected magic and the highest
 * version the caller understands; reads meta into meta (meta_cap bytes; the
 * stored meta_bytes must equal meta_cap).  -1 with r->err set on failure. */
int bin_open(struct bin_reader *r, const char *path, const char *magic,
             uint32_t max_version, void *meta, size_t meta_cap);
/* Reads the next n payload bytes into dst.  When the last byte has been
 * read the data CRC is checked: until then the bytes read are unchecked
 * (a reader sizes nothing from them and computes nothing with them before
 * its last bin_read returned 0).  -1 with r->err set on failure. */
int bin_read(struct bin_reader *r, void *dst, size_t n);
void bin_close(struct bin_reader *r);

/* Checks the data CRC over the whole payload now, then rewinds to the
 * payload's start: for readers whose meta decides what they allocate, so a
 * corrupt file is refused before its fields are used.  -1 with r->err. */
int bin_verify(struct bin_reader *r);

/* Convenience: the whole payload into a fresh buffer (checked). */
void *bin_read_all(struct bin_reader *r);

const char *bin_dtype_name(uint32_t dtype);
size_t bin_dtype_size(uint32_t dtype);

#endif
