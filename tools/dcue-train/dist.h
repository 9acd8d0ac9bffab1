/* dist.h — the ranks of an MPI run (Open MPI), or the one process of a
 * plain run.
 *
 * dcue-train started by mpirun (the launcher's OMPI_COMM_WORLD_SIZE or
 * PMIX_RANK in the environment) calls MPI_Init; started any other way it
 * never touches MPI and is rank 0 of 1.  Every collective here is a no-op
 * on one rank.  Messages of a rank name it and its host; a rank that dies
 * (die*, exit without dist_finish) ends the whole job through MPI_Abort. */
#ifndef DCUE_DIST_H
#define DCUE_DIST_H

#include <stddef.h>
#include <stdint.h>

struct dist {
	int rank, size;          /* 0 and 1 without mpirun */
	int mpi;                 /* MPI_Init was called */
	char host[64];
};

extern struct dist dist;

/* Starts MPI when launched by mpirun; prefixes messages with the rank. */
void dist_init(int *argc, char ***argv);
/* MPI_Finalize (after a successful run). */
void dist_finish(void);

/* In-place sums over the ranks. */
void dist_sum_floats(float *buf, size_t n);
void dist_sum_doubles(double *buf, size_t n);
/* In-place bitwise OR over the ranks (flags any rank set). */
void dist_or_bytes(uint8_t *buf, size_t n);
/* Every rank's n bytes at src gathered into dst [size][n] on every rank. */
void dist_allgather(const void *src, void *dst, size_t n);
/* Rank 0's n bytes broadcast to every rank. */
void dist_bcast(void *buf, size_t n);
/* Gathers each rank's n bytes into dst on rank 0: rank r's cnts[r] bytes
 * at dst + offs[r] (cnts and offs [size], used on rank 0 only). */
void dist_gather(const void *src, size_t n, void *dst, const int *cnts, const int *offs);
void dist_barrier(void);

#endif
