/* dist.c — see dist.h. */
#define _GNU_SOURCE
#include "dist.h"
#include "msg.h"

#include <limits.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct dist dist = { 0, 1, 0, "" };

static int finished;
static char prefix[160];

/* A rank leaving without dist_finish (die, diex, an unexpected exit) takes
 * the job with it: the others would wait in a collective for ever. */
static void abort_job(void)
{
	if (dist.mpi && !finished) {
		fflush(stderr);
		MPI_Abort(MPI_COMM_WORLD, EXIT_WORK);
	}
}

void dist_init(int *argc, char ***argv)
{
	int provided;

	if (getenv("OMPI_COMM_WORLD_SIZE") == NULL && getenv("PMIX_RANK") == NULL &&
	    getenv("PMI_RANK") == NULL)
		return;
	if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
		diex(EXIT_WORK, "MPI_Init failed");
	dist.mpi = 1;
	MPI_Comm_rank(MPI_COMM_WORLD, &dist.rank);
	MPI_Comm_size(MPI_COMM_WORLD, &dist.size);
	if (gethostname(dist.host, sizeof dist.host) != 0)
		snprintf(dist.host, sizeof dist.host, "?");
	dist.host[sizeof dist.host - 1] = '\0';
	if (dist.size > 1) {
		snprintf(prefix, sizeof prefix, "%s: rank %d on %s", msg_prog, dist.rank, dist.host);
		msg_prog = prefix;
	}
	/* errors in collectives end the job (the default, said explicitly) */
	MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
	atexit(abort_job);
}

void dist_finish(void)
{
	if (dist.mpi && !finished) {
		finished = 1;
		MPI_Finalize();
	}
}

/* MPI counts are int: big buffers go in pieces. */
#define PIECE ((size_t)1 << 28)

void dist_sum_floats(float *buf, size_t n)
{
	if (dist.size <= 1)
		return;
	for (size_t i = 0; i < n; i += PIECE) {
		size_t k = n - i < PIECE ? n - i : PIECE;
		MPI_Allreduce(MPI_IN_PLACE, buf + i, (int)k, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
	}
}

void dist_sum_doubles(double *buf, size_t n)
{
	if (dist.size <= 1)
		return;
	for (size_t i = 0; i < n; i += PIECE) {
		size_t k = n - i < PIECE ? n - i : PIECE;
		MPI_Allreduce(MPI_IN_PLACE, buf + i, (int)k, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
	}
}

void dist_allgather(const void *src, void *dst, size_t n)
{
	if (dist.size <= 1) {
		memmove(dst, src, n);
		return;
	}
	if (n > INT_MAX)
		diex(EXIT_WORK, "dist_allgather: %zu bytes", n);
	MPI_Allgather(src, (int)n, MPI_BYTE, dst, (int)n, MPI_BYTE, MPI_COMM_WORLD);
}

void dist_bcast(void *buf, size_t n)
{
	if (dist.size <= 1)
		return;
	for (size_t i = 0; i < n; i += PIECE) {
		size_t k = n - i < PIECE ? n - i : PIECE;
		MPI_Bcast((char *)buf + i, (int)k, MPI_BYTE, 0, MPI_COMM_WORLD);
	}
}

void dist_gather(const void *src, size_t n, void *dst, const int *cnts, const int *offs)
{
	if (dist.size <= 1) {
		memmove(dst, src, n);
		return;
	}
	if (n > INT_MAX)
		diex(EXIT_WORK, "dist_gather: %zu bytes", n);
	MPI_Gatherv(src, (int)n, MPI_BYTE, dst, cnts, offs, MPI_BYTE, 0, MPI_COMM_WORLD);
}

void dist_barrier(void)
{
	if (dist.size > 1)
		MPI_Barrier(MPI_COMM_WORLD);
}
