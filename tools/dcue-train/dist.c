/* dist.c — see dist.h. */
#define _GNU_SOURCE
#include "dist.h"
#include "msg.h"

#include <dlfcn.h>
#include <limits.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct dist dist = { 0, 1, 0, "" };

/* Open MPI is loaded only under mpirun: linked in, its libraries cost every
 * start of dcue-train ~50 ms (measured here: 150 → 205 ms for --version).
 * mpi.h gives the types and prototypes; the functions and the predefined
 * handles (mpi.world is &ompi_mpi_comm_world in Open MPI's ABI) come
 * from libmpi.so.40 (Open MPI 4's soname), opened RTLD_GLOBAL since its
 * plugins resolve symbols against it. */
static struct {
	int (*init_thread)(int *, char ***, int, int *);
	int (*finalize)(void);
	int (*abort)(MPI_Comm, int);
	int (*comm_rank)(MPI_Comm, int *);
	int (*comm_size)(MPI_Comm, int *);
	int (*set_errhandler)(MPI_Comm, MPI_Errhandler);
	int (*allreduce)(const void *, void *, int, MPI_Datatype, MPI_Op, MPI_Comm);
	int (*allgather)(const void *, int, MPI_Datatype, void *, int, MPI_Datatype, MPI_Comm);
	int (*bcast)(void *, int, MPI_Datatype, int, MPI_Comm);
	int (*gatherv)(const void *, int, MPI_Datatype, void *, const int *, const int *,
	               MPI_Datatype, int, MPI_Comm);
	int (*barrier)(MPI_Comm);
	MPI_Comm world;
	MPI_Datatype f32, f64, byte;
	MPI_Op sum, bor;
	MPI_Errhandler fatal;
} mpi;

static void *sym(void *h, const char *name)
{
	void *p = dlsym(h, name);
	if (p == NULL)
		diex(EXIT_WORK, "libmpi.so.40: no %s (not Open MPI 4?)", name);
	return p;
}

static void load_mpi(void)
{
	void *h = dlopen("libmpi.so.40", RTLD_NOW | RTLD_GLOBAL);

	if (h == NULL)
		diex(EXIT_WORK, "started by mpirun, but Open MPI's library cannot be loaded: %s "
		     "(make deps installs it)", dlerror());
	*(void **)&mpi.init_thread = sym(h, "MPI_Init_thread");
	*(void **)&mpi.finalize = sym(h, "MPI_Finalize");
	*(void **)&mpi.abort = sym(h, "MPI_Abort");
	*(void **)&mpi.comm_rank = sym(h, "MPI_Comm_rank");
	*(void **)&mpi.comm_size = sym(h, "MPI_Comm_size");
	*(void **)&mpi.set_errhandler = sym(h, "MPI_Comm_set_errhandler");
	*(void **)&mpi.allreduce = sym(h, "MPI_Allreduce");
	*(void **)&mpi.allgather = sym(h, "MPI_Allgather");
	*(void **)&mpi.bcast = sym(h, "MPI_Bcast");
	*(void **)&mpi.gatherv = sym(h, "MPI_Gatherv");
	*(void **)&mpi.barrier = sym(h, "MPI_Barrier");
	mpi.world = (MPI_Comm)sym(h, "ompi_mpi_comm_world");
	mpi.f32 = (MPI_Datatype)sym(h, "ompi_mpi_float");
	mpi.f64 = (MPI_Datatype)sym(h, "ompi_mpi_double");
	mpi.byte = (MPI_Datatype)sym(h, "ompi_mpi_byte");
	mpi.sum = (MPI_Op)sym(h, "ompi_mpi_op_sum");
	mpi.bor = (MPI_Op)sym(h, "ompi_mpi_op_bor");
	mpi.fatal = (MPI_Errhandler)sym(h, "ompi_mpi_errors_are_fatal");
}

static int finished;
static char prefix[160];

/* A rank leaving without dist_finish (die, diex, an unexpected exit) takes
 * the job with it: the others would wait in a collective for ever. */
static void abort_job(void)
{
	if (dist.mpi && !finished) {
		fflush(stderr);
		mpi.abort(mpi.world, EXIT_WORK);
	}
}

void dist_init(int *argc, char ***argv)
{
	int provided;

	if (getenv("OMPI_COMM_WORLD_SIZE") == NULL && getenv("PMIX_RANK") == NULL &&
	    getenv("PMI_RANK") == NULL)
		return;
	load_mpi();
	if (mpi.init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
		diex(EXIT_WORK, "MPI_Init failed");
	dist.mpi = 1;
	mpi.comm_rank(mpi.world, &dist.rank);
	mpi.comm_size(mpi.world, &dist.size);
	if (gethostname(dist.host, sizeof dist.host) != 0)
		snprintf(dist.host, sizeof dist.host, "?");
	dist.host[sizeof dist.host - 1] = '\0';
	if (dist.size > 1) {
		snprintf(prefix, sizeof prefix, "%s: rank %d on %s", msg_prog, dist.rank, dist.host);
		msg_prog = prefix;
	}
	/* errors in collectives end the job (the default, said explicitly) */
	mpi.set_errhandler(mpi.world, mpi.fatal);
	atexit(abort_job);
}

void dist_finish(void)
{
	if (dist.mpi && !finished) {
		finished = 1;
		mpi.finalize();
	}
}

/* MPI counts are int: big buffers go in pieces. */
#define PIECE ((size_t)1 << 28)

/* An in-place allreduce of n elements of width bytes each, in pieces. */
static void allreduce(void *buf, size_t n, size_t width, MPI_Datatype type, MPI_Op op)
{
	if (dist.size <= 1)
		return;
	for (size_t i = 0; i < n; i += PIECE) {
		size_t k = n - i < PIECE ? n - i : PIECE;
		mpi.allreduce(MPI_IN_PLACE, (char *)buf + i * width, (int)k, type, op, mpi.world);
	}
}

void dist_sum_floats(float *buf, size_t n)
{
	allreduce(buf, n, sizeof *buf, mpi.f32, mpi.sum);
}

void dist_sum_doubles(double *buf, size_t n)
{
	allreduce(buf, n, sizeof *buf, mpi.f64, mpi.sum);
}

void dist_or_bytes(uint8_t *buf, size_t n)
{
	allreduce(buf, n, sizeof *buf, mpi.byte, mpi.bor);
}

void dist_allgather(const void *src, void *dst, size_t n)
{
	if (dist.size <= 1) {
		memmove(dst, src, n);
		return;
	}
	if (n > INT_MAX)
		diex(EXIT_WORK, "dist_allgather: %zu bytes", n);
	mpi.allgather(src, (int)n, mpi.byte, dst, (int)n, mpi.byte, mpi.world);
}

void dist_bcast(void *buf, size_t n)
{
	if (dist.size <= 1)
		return;
	for (size_t i = 0; i < n; i += PIECE) {
		size_t k = n - i < PIECE ? n - i : PIECE;
		mpi.bcast((char *)buf + i, (int)k, mpi.byte, 0, mpi.world);
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
	mpi.gatherv(src, (int)n, mpi.byte, dst, cnts, offs, mpi.byte, 0, mpi.world);
}

void dist_barrier(void)
{
	if (dist.size > 1)
		mpi.barrier(mpi.world);
}
