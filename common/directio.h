/* directio.h — large files moved around the page cache.
 *
 * Reading or writing gigabytes through read()/write() passes every byte
 * through the page cache: a copy, and page-cache memory that must be found
 * besides the caller's own (in a virtual machine, memory the host must back
 * afresh: for a checkpoint of a million playlists that costs more than the
 * disk itself; BENCHMARKS.md).  Here the bytes go between the device and a
 * few aligned buffers of 8 MiB with O_DIRECT, moved by two background I/O
 * threads while the caller copies the next buffer in or the previous one
 * out.  Each I/O thread computes the CRC-32 (zlib) of the buffers it moves
 * while the other's transfer is in flight: the device is kept busy, and
 * the caller's thread only copies.
 *
 * Every device transfer is 4096-byte aligned: a writer's last buffer is
 * padded and the file cut back to its exact length at dw_close; a reader
 * starts at the aligned offset below the first byte wanted and drops what
 * it does not deliver.  A file system that refuses O_DIRECT at open makes
 * the open return NULL (the caller does its ordinary I/O instead); one
 * that refuses a transfer later gets it, and every later one, through the
 * page cache.  Neither side fsyncs (the writer's caller commits: atomic.h).
 * One caller thread per reader or writer. */
#ifndef DCUE_DIRECTIO_H
#define DCUE_DIRECTIO_H

#include <stddef.h>
#include <stdint.h>

struct direct_writer;
struct direct_reader;

/* Opens path (an existing, empty file) for writing from offset 0 and
 * starts the I/O threads; the CRC dw_close gives covers the bytes from
 * offset crc_from on.  NULL with errno when O_DIRECT, memory or a thread
 * is not to be had. */
struct direct_writer *dw_open(const char *path, uint64_t crc_from);
/* Appends n bytes.  0, or -1 with errno: the first error of a background
 * write (ENOSPC, EFBIG, EIO, ...) is reported by the next call. */
int dw_write(struct direct_writer *d, const void *buf, size_t n);
/* Writes what is left, waits for it, sets the file's length to the bytes
 * given, sets *crc to zlib's CRC-32 of those from crc_from on and frees d.
 * 0, or -1 with errno. */
int dw_close(struct direct_writer *d, uint32_t *crc);
/* Stops without finishing (the caller removes the file) and frees d;
 * errno is kept. */
void dw_abort(struct direct_writer *d);

/* Opens path to deliver its bytes [off, off + n) in order, read ahead by
 * the I/O thread.  NULL with errno as dw_open. */
struct direct_reader *dr_open(const char *path, uint64_t off, uint64_t n);
/* The next n bytes into dst.  0; 1 when the file (or the range) ended
 * before them; -1 with errno on a read error.  A dst of 64 MiB or more is
 * faulted in by a helper thread (MADV_POPULATE_WRITE, contents kept) ahead
 * of the copy: the first touch of fresh memory costs more than the device
 * here. */
int dr_read(struct direct_reader *d, void *dst, size_t n);
/* zlib's CRC-32 of every byte delivered, continuing crc; exact once the
 * whole range has been delivered. */
uint32_t dr_crc(const struct direct_reader *d, uint32_t crc);
void dr_close(struct direct_reader *d);

#endif
