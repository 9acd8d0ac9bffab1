/* reduce.h — the gradient reduction, once for both kinds of replica: the
 * worker threads of one process (one replica per core) and the ranks of
 * an MPI run.
 *
 * Every replica writes its gradients into one contiguous block of n
 * floats: the shared weights (model.h layout), then the playlist rows the
 * step gathered.  A step's gradient is the weighted sum of the blocks of
 * every thread of every rank (weight = the replica's share of the global
 * batch, since each replica's loss is a mean over its own samples):
 *   1. reduce_replicas: the threads' blocks summed into the first one,
 *      each thread summing a slice [lo, hi) (no two write the same float);
 *   2. reduce_ranks: that block summed across ranks, in place
 *      (MPI_Allreduce), on the calling thread.
 * The sum over threads runs in a fixed order, so the same seed and thread
 * count give the same bits. */
#ifndef DCUE_REDUCE_H
#define DCUE_REDUCE_H

#include <stddef.h>

/* blk[0][i] = sum_t w[t] * blk[t][i] for i in [lo, hi).  w[t] == 1 with
 * one block leaves it as it is. */
void reduce_replicas(float *const *blk, const float *w, int nblk, size_t lo, size_t hi);
/* The slice of n floats thread i of nthreads sums (cache-line aligned). */
void reduce_slice(size_t n, int i, int nthreads, size_t *lo, size_t *hi);
/* buf [n] summed over the ranks in place; nothing on one rank. */
void reduce_ranks(float *buf, size_t n);

#endif
