/* fdio.h — whole writes on raw file descriptors (pipes to child processes,
 * O_APPEND files shared between processes), retried across EINTR and short
 * writes. */
#ifndef DCUE_FDIO_H
#define DCUE_FDIO_H

#include <stddef.h>

/* 0 when all n bytes were written; -1 with errno set otherwise (EPIPE when
 * the reader went away). */
int write_all(int fd, const void *buf, size_t n);

#endif
