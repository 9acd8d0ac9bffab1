/* pool.c — see pool.h. */
#define _POSIX_C_SOURCE 200809L
#include "pool.h"
#include "msg.h"

#include <stdlib.h>
#include <string.h>

struct start { struct pool *p; int i; };

static void *worker(void *arg)
{
	struct start *s = arg;
	struct pool *p = s->p;
	int i = s->i;

	free(s);
	if (p->thread_init != NULL)
		p->thread_init();
	for (;;) {
		pthread_barrier_wait(&p->start);
		if (p->quit)
			return NULL;
		p->fn(p->ctx, i);
		pthread_barrier_wait(&p->done);
	}
}

void pool_init(struct pool *p, int n, void (*thread_init)(void))
{
	memset(p, 0, sizeof *p);
	p->n = n < 1 ? 1 : n;
	p->thread_init = thread_init;
	if (p->n == 1)
		return;
	if (pthread_barrier_init(&p->start, NULL, (unsigned)p->n) != 0 ||
	    pthread_barrier_init(&p->done, NULL, (unsigned)p->n) != 0)
		diex(EXIT_WORK, "cannot create the thread barriers");
	p->th = xcalloc((size_t)p->n, sizeof *p->th);
	for (int i = 1; i < p->n; i++) {
		struct start *s = xmalloc(sizeof *s);
		s->p = p;
		s->i = i;
		int e = pthread_create(&p->th[i - 1], NULL, worker, s);
		if (e != 0)
			diex(EXIT_WORK, "cannot start worker thread %d: %s", i, strerror(e));
	}
}

void pool_run(struct pool *p, pool_fn *fn, void *ctx)
{
	if (p->n == 1) {
		fn(ctx, 0);
		return;
	}
	p->fn = fn;
	p->ctx = ctx;
	pthread_barrier_wait(&p->start);
	fn(ctx, 0);
	pthread_barrier_wait(&p->done);
}

void pool_free(struct pool *p)
{
	if (p->n > 1) {
		p->quit = 1;
		pthread_barrier_wait(&p->start);
		for (int i = 1; i < p->n; i++)
			pthread_join(p->th[i - 1], NULL);
		pthread_barrier_destroy(&p->start);
		pthread_barrier_destroy(&p->done);
		free(p->th);
	}
	memset(p, 0, sizeof *p);
}
