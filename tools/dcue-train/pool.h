/* pool.h — fork-join worker threads: pool_run(fn) runs fn(ctx, i) for
 * i = 0..n-1 at once, i = 0 on the calling thread, and returns when all
 * have finished.  Threads are started once and reused for every call. */
#ifndef DCUE_POOL_H
#define DCUE_POOL_H

#include <pthread.h>

typedef void pool_fn(void *ctx, int i);

struct pool {
	int n;                   /* threads, the caller included */
	pthread_t *th;           /* [n-1] */
	pthread_barrier_t start, done;
	pool_fn *fn;
	void *ctx;
	int quit;
	/* set in each worker before its first task (e.g. single-threaded BLAS) */
	void (*thread_init)(void);
};

/* thread_init may be NULL. */
void pool_init(struct pool *p, int n, void (*thread_init)(void));
void pool_run(struct pool *p, pool_fn *fn, void *ctx);
void pool_free(struct pool *p);

#endif
