/* model.c — see model.h. */
#define _GNU_SOURCE
#include "model.h"
#include "layers.h"
#include "msg.h"
#include "pool.h"

#include <cblas.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

void *alloc_big(size_t bytes, int zero)
{
	const size_t huge = (size_t)2 << 20;
	void *p = NULL;

	if (bytes == 0)
		bytes = 1;
	if (posix_memalign(&p, bytes >= huge ? huge : 64, bytes) != 0)
		die(EXIT_WORK, "cannot allocate %zu bytes", bytes);
#ifdef MADV_HUGEPAGE
	/* first touches cost ~11 µs per 4 KiB page here, 45× less with huge pages */
	if (bytes >= huge)
		(void)madvise(p, bytes, MADV_HUGEPAGE);
#endif
	if (zero)
		memset(p, 0, bytes);
	return p;
}

void free_big(void *p)
{
	free(p);
}

int model_shapes(struct conv_shape conv[MODEL_CONVS], const struct dcue_config *cfg)
{
	static const int ks[MODEL_CONVS] = { 4, 4, 4, 2, 1 }, ps[MODEL_CONVS] = { 4, 4, 4, 2, 1 };
	int T = (int)cfg->mel_length;

	for (int l = 0; l < MODEL_CONVS; l++) {
		struct conv_shape *c = &conv[l];
		c->Ci = l == 0 ? (int)cfg->mel_bins : l == 1 ? (int)cfg->channels : (int)cfg->embedding;
		c->Co = l == 0 ? (int)cfg->channels : (int)cfg->embedding;
		c->k = ks[l];
		c->p = ps[l];
		c->T = T;
		c->S = T + c->k - 1;
		c->U = T / c->p;
		if (c->U < 1)
			return -1;
		T = c->U;
	}
	return 0;
}

/* Lays the shared tensors out from buf (or only counts them when buf is
 * NULL): the weights after the playlist table. */
static size_t layout_shared(struct params *t, float *buf, const struct model *m)
{
	const struct dcue_config *c = &m->cfg;
	size_t H = c->hidden, E = c->embedding, off = 0;
#define TAKE(ptr, count) do { if (buf) (ptr) = buf + off; off += (count); } while (0)
	TAKE(t->d1w, H * H);
	TAKE(t->d1b, H);
	TAKE(t->d2w, H * E);
	TAKE(t->d2b, E);
	for (int l = 0; l < MODEL_CONVS; l++) {
		const struct conv_shape *s = &m->conv[l];
		TAKE(t->cw[l], (size_t)s->k * s->Ci * s->Co);
		TAKE(t->cb[l], (size_t)s->Co);
	}
	TAKE(t->ow, E * E);
	TAKE(t->ob, E);
#undef TAKE
	return off;
}

/* The playlist table [n_rows][H], then the shared weights. */
static size_t layout(struct params *t, float *buf, const struct model *m)
{
	size_t rows = m->n_rows * m->cfg.hidden;

	if (buf)
		t->emb = buf;
	return rows + layout_shared(t, buf ? buf + rows : NULL, m);
}

size_t model_n_params(const struct dcue_config *cfg)
{
	struct model m;

	memset(&m, 0, sizeof m);
	m.cfg = *cfg;
	if (model_shapes(m.conv, cfg) != 0)
		return 0;
	m.n_rows = cfg->n_playlists;
	return layout(&m.p, NULL, &m);
}

void model_init(struct model *m, const struct dcue_config *cfg)
{
	model_init_part(m, cfg, 1, 0);
}

void model_init_part(struct model *m, const struct dcue_config *cfg, int parts, int part)
{
	size_t n_rows = ((size_t)cfg->n_playlists + (size_t)(parts - part) - 1) / (size_t)parts;

	memset(m, 0, sizeof *m);
	m->cfg = *cfg;
	if (model_shapes(m->conv, cfg) != 0)
		diex(EXIT_USAGE, "--mel-length %u is too short for the pooling (at least 128)",
		     cfg->mel_length);
	m->n_rows = n_rows;
	m->parts = parts;
	m->part = part;
	m->n_params = layout(&m->p, NULL, m);
	m->n_shared = m->n_params - n_rows * cfg->hidden;
	/* fresh anonymous pages are zero and cost nothing until touched: a
	 * million-row gradient table that lazy training never uses stays free */
	m->mem_bytes = 3 * m->n_params * sizeof(float);
	void *p = mmap(NULL, m->mem_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
	               -1, 0);
	if (p == MAP_FAILED)
		die(EXIT_WORK, "cannot allocate %zu bytes for the model", m->mem_bytes);
#ifdef MADV_HUGEPAGE
	(void)madvise(p, m->mem_bytes, MADV_HUGEPAGE);
#endif
	m->mem = p;
	m->param_mem = m->mem;
	m->grad_mem = m->mem + m->n_params;
	m->mom_mem = m->mem + 2 * m->n_params;
	layout(&m->p, m->param_mem, m);
	layout(&m->g, m->grad_mem, m);
	m->row_step = xcalloc(n_rows + 1, sizeof(uint64_t));
}

static void uniform(struct rng *r, float *x, size_t n, float bound)
{
	for (size_t i = 0; i < n; i++)
		x[i] = (2.0f * rng_float(r) - 1.0f) * bound;
}

/* n floats of the model's mapping (m->mem: anonymous, private) set to 0
 * without touching what is fresh: the whole pages are dropped
 * (MADV_DONTNEED: they read as zero pages again), the ends are cleared.
 * Zeroing the momentum of a million-row table by memset faulted in 1.2 GB
 * at start-up, a fifth of it (BENCHMARKS.md). */
static void zero_model_floats(float *x, size_t n)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	uintptr_t a = (uintptr_t)x, e = a + n * sizeof(float);
	uintptr_t lo = (a + pg - 1) & ~(uintptr_t)(pg - 1), hi = e & ~(uintptr_t)(pg - 1);

	if (hi <= lo || madvise((void *)lo, hi - lo, MADV_DONTNEED) != 0) {
		memset(x, 0, n * sizeof(float));
		return;
	}
	memset(x, 0, lo - a);
	memset((void *)hi, 0, e - hi);
}

/* Advances r past n rows of the table's stream (two draws per value). */
static void skip_rows(struct rng *r, size_t n, size_t H)
{
	rng_skip(r, 2 * (uint64_t)n * H);
}

/* The playlist rows [p0, p1) from r, positioned at row p0 of the whole
 * table's stream: the rows this model holds get their values, the others
 * only advance the stream (log and cos are most of the cost, a draw a
 * nanosecond or two). */
static void draw_rows(struct model *m, struct rng *r, size_t p0, size_t p1)
{
	size_t H = m->cfg.hidden, parts = (size_t)m->parts;

	for (size_t p = p0; p < p1; p++) {
		if (p % parts != (size_t)m->part) {
			skip_rows(r, 1, H);
			continue;
		}
		float *row = m->p.emb + (p / parts) * H;
		for (size_t i = 0; i < H; i++)
			row[i] = (float)rng_normal(r);
	}
}

struct draw_job {
	struct model *m;
	struct rng r;             /* the stream at row 0, then at row p1 */
	size_t p0, p1;
};

static void *draw_job_run(void *arg)
{
	struct draw_job *j = arg;

	skip_rows(&j->r, j->p0, j->m->cfg.hidden);
	draw_rows(j->m, &j->r, j->p0, j->p1);
	return NULL;
}

/* Every playlist's row is drawn from one stream, in order, so a rank
 * holding a share keeps exactly the values a whole model would have, and
 * any number of threads draws the same values as one.  With a million
 * playlists this was most of the start-up (300 M normals, BENCHMARKS.md):
 * a table of at least model_draw_split values in one process is cut into
 * consecutive row ranges, a thread each (up to 8); thread k first runs the
 * stream through the rows before its range, then draws its own. */
size_t model_draw_split = (size_t)1 << 22;

static void draw_table(struct model *m, struct rng *r)
{
	size_t P = m->cfg.n_playlists, H = m->cfg.hidden;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int n = m->parts > 1 || P * H < model_draw_split || ncpu < 2 ? 1 : ncpu > 8 ? 8 : (int)ncpu;
	struct draw_job job[8];
	pthread_t th[8];
	int started = 1;

	for (int k = 0; k < n; k++) {
		job[k] = (struct draw_job){ m, *r, P * (size_t)k / (size_t)n,
		                            P * (size_t)(k + 1) / (size_t)n };
	}
	for (int k = 1; k < n; k++) {
		if (pthread_create(&th[k], NULL, draw_job_run, &job[k]) != 0)
			break;
		started++;
	}
	draw_rows(m, &job[0].r, 0, job[0].p1);
	if (started < n) {
		/* the calling thread takes the ranges of threads that did not start */
		skip_rows(&job[0].r, job[started].p0 - job[0].p1, H);
		draw_rows(m, &job[0].r, job[started].p0, P);
	}
	for (int k = 1; k < started; k++)
		if (pthread_join(th[k], NULL) != 0)
			diex(EXIT_WORK, "cannot join a thread drawing the playlist table");
	*r = started < n ? job[0].r : job[n - 1].r;
}

void model_randomize(struct model *m, struct rng *r)
{
	const struct dcue_config *c = &m->cfg;
	size_t H = c->hidden, E = c->embedding;

	draw_table(m, r);
	/* PyTorch's nn.Linear default: U(±1/sqrt(fan_in)) for weight and bias */
	uniform(r, m->p.d1w, H * H, 1.0f / sqrtf((float)H));
	uniform(r, m->p.d1b, H, 1.0f / sqrtf((float)H));
	uniform(r, m->p.d2w, H * E, 1.0f / sqrtf((float)H));
	uniform(r, m->p.d2b, E, 1.0f / sqrtf((float)H));
	for (int l = 0; l < MODEL_CONVS; l++) {
		const struct conv_shape *s = &m->conv[l];
		/* He-uniform: U(±sqrt(6/fan_in)), fan_in = k*Ci; zero bias */
		uniform(r, m->p.cw[l], (size_t)s->k * s->Ci * s->Co, sqrtf(6.0f / (float)(s->k * s->Ci)));
		memset(m->p.cb[l], 0, (size_t)s->Co * sizeof(float));
	}
	uniform(r, m->p.ow, E * E, 1.0f / sqrtf((float)E));
	uniform(r, m->p.ob, E, 1.0f / sqrtf((float)E));
	zero_model_floats(m->mom_mem, m->n_params);
}

void model_free(struct model *m)
{
	if (m->mem != NULL)
		munmap(m->mem, m->mem_bytes);
	free(m->row_step);
	m->mem = NULL;
	m->row_step = NULL;
}

void model_zero_grad(struct model *m)
{
	memset(m->grad_mem, 0, m->n_params * sizeof(float));
}

void model_sgd_step(struct model *m, float lr, float mu)
{
	float *p = m->param_mem, *g = m->grad_mem, *b = m->mom_mem;

	for (size_t i = 0; i < m->n_params; i++) {
		/* torch.optim.SGD, nesterov=True, dampening 0 (the first step's
		 * buf = g equals mu*0 + g since buf starts at 0) */
		b[i] = mu * b[i] + g[i];
		float d = g[i] + mu * b[i];
		p[i] -= lr * d;
	}
}

void model_bind_replica(struct model *r, const struct model *m, float *rows, float *grad,
                        int bmax)
{
	size_t H = m->cfg.hidden;

	*r = *m;
	r->mem = NULL;
	r->row_step = NULL;
	r->n_rows = (size_t)bmax;
	r->parts = 1;
	r->part = 0;
	layout_shared(&r->g, grad, m);
	r->p.emb = rows;
	r->g.emb = grad + m->n_shared;
	r->param_mem = r->grad_mem = r->mom_mem = NULL;
	r->n_params = m->n_shared + (size_t)bmax * H;
}

void model_sgd_shared(struct model *m, const float *g, float lr, float mu)
{
	size_t off = m->n_rows * m->cfg.hidden;
	float *p = m->param_mem + off, *b = m->mom_mem + off;

	for (size_t i = 0; i < m->n_shared; i++) {
		b[i] = mu * b[i] + g[i];
		float d = g[i] + mu * b[i];
		p[i] -= lr * d;
	}
}

void model_row_catch_up(struct model *m, size_t row, uint64_t step, float lr, float mu)
{
	size_t H = m->cfg.hidden;
	uint64_t k = step - m->row_step[row];

	if (step <= m->row_step[row])
		return;
	m->row_step[row] = step;
	/* k zero-gradient steps at once (model.h): in double, then rounded */
	double muk = pow((double)mu, (double)k);
	double c = mu > 0 ? (double)lr * (double)mu * mu * (1.0 - muk) / (1.0 - mu) : 0.0;
	float *p = m->p.emb + row * H, *b = m->mom_mem + (size_t)(m->p.emb - m->param_mem) +
	                                    row * H;
	for (size_t i = 0; i < H; i++) {
		p[i] = (float)((double)p[i] - c * (double)b[i]);
		b[i] = (float)(muk * (double)b[i]);
	}
}

void model_row_step(struct model *m, size_t row, const float *g, uint64_t step, float lr,
                    float mu)
{
	size_t H = m->cfg.hidden;

	model_row_catch_up(m, row, step, lr, mu);
	float *p = m->p.emb + row * H, *b = m->mom_mem + (size_t)(m->p.emb - m->param_mem) +
	                                    row * H;
	for (size_t i = 0; i < H; i++) {
		b[i] = mu * b[i] + g[i];
		float d = g[i] + mu * b[i];
		p[i] -= lr * d;
	}
	m->row_step[row] = step + 1;
}

void model_rows_catch_up(struct model *m, uint64_t step, float lr, float mu)
{
	for (size_t r = 0; r < m->n_rows; r++)
		model_row_catch_up(m, r, step, lr, mu);
}

void model_rows_set_step(struct model *m, uint64_t step)
{
	for (size_t r = 0; r < m->n_rows; r++)
		m->row_step[r] = step;
}

void workspace_init(struct workspace *w, const struct model *m, int nmax, int bmax)
{
	const struct dcue_config *c = &m->cfg;
	size_t n = (size_t)nmax, B = (size_t)bmax, H = c->hidden, E = c->embedding;
	size_t hmax = 0;
	int K = (int)c->nb_negatives + 1;

	memset(w, 0, sizeof *w);
	w->nmax = nmax;
	w->bmax = bmax;
	for (int l = 0; l < MODEL_CONVS; l++) {
		const struct conv_shape *s = &m->conv[l];
		size_t xs = n * s->S * s->Ci * sizeof(float);
		w->x[l] = alloc_big(xs, 1);          /* the pad rows stay 0 */
		w->dx[l] = l > 0 ? alloc_big(xs, 0) : NULL;
		w->am[l] = alloc_big(n * s->U * s->Co * sizeof(int), 0);
		if ((size_t)s->S * s->Co > hmax)
			hmax = (size_t)s->S * s->Co;
	}
	/* the backward pass needs no conv output, only its gradient; both are
	 * made a chunk of tracks at a time (conv_chunk) */
	size_t h0 = (size_t)m->conv[0].S * m->conv[0].Co;
	w->chunk_floats = (size_t)MODEL_CHUNK * h0 > hmax ? (size_t)MODEL_CHUNK * h0 : hmax;
	if (w->chunk_floats > n * hmax)
		w->chunk_floats = n * hmax;
	w->h = alloc_big(w->chunk_floats * sizeof(float), 0);
	size_t wmax = 0;
	for (int l = 0; l < MODEL_CONVS; l++) {
		size_t ws = (size_t)m->conv[l].k * m->conv[l].Ci * m->conv[l].Co;
		wmax = ws > wmax ? ws : wmax;
	}
	w->wt = alloc_big(wmax * sizeof(float), 0);
	w->dwt = alloc_big(wmax * sizeof(float), 0);
	size_t spmax = 0;
	for (int l = 0; l < MODEL_CONVS; l++) {
		const struct conv_shape *s = &m->conv[l];
		size_t b = conv1d_pool_backward_sparse_scratch(s->T, s->Ci, s->Co, s->k, s->p);
		spmax = b > spmax ? b : spmax;
	}
	w->sp_scratch = alloc_big(spmax, 0);
	w->dh = w->h;
	size_t U = (size_t)m->conv[MODEL_CONVS - 1].U;
	w->y = alloc_big(n * U * E * sizeof(float), 0);
	w->dy = alloc_big(n * U * E * sizeof(float), 0);
	w->mvec = alloc_big(n * E * sizeof(float), 0);
	w->v = alloc_big(n * E * sizeof(float), 0);
	w->dv = alloc_big(n * E * sizeof(float), 0);
	w->dvc = alloc_big(n * E * sizeof(float), 0);
	w->mc = alloc_big(n * E * sizeof(float), 0);
	w->dm = alloc_big(n * E * sizeof(float), 0);
	w->act = xcalloc(n, sizeof(int));
	w->pidx = xcalloc(B, sizeof(int));
	w->pe = xcalloc(B * H, sizeof(float));
	w->pa1 = xcalloc(B * H, sizeof(float));
	w->pr1 = xcalloc(B * H, sizeof(float));
	w->pa2 = xcalloc(B * E, sizeof(float));
	w->u = w->pa2;
	w->s = xcalloc(B * (size_t)K, sizeof(float));
	w->ds = xcalloc(B * (size_t)K, sizeof(float));
	w->du = xcalloc(B * E, sizeof(float));
	w->dpa2 = xcalloc(B * H, sizeof(float));
	w->dpr1 = xcalloc(B * H, sizeof(float));
	w->dpe = xcalloc(B * H, sizeof(float));
}

void workspace_threads(struct workspace *w, int threads)
{
	if (threads <= 1 || w->threads > 1)
		return;
	w->threads = threads;
	w->hs = xcalloc((size_t)threads, sizeof *w->hs);
	w->hs[0] = w->h;
	for (int i = 1; i < threads; i++)
		w->hs[i] = alloc_big(w->chunk_floats * sizeof(float), 0);
	w->pool = xmalloc(sizeof *w->pool);
	pool_init(w->pool, threads, NULL);
}

void workspace_free(struct workspace *w)
{
	if (w->threads > 1) {
		pool_free(w->pool);
		free(w->pool);
		for (int i = 1; i < w->threads; i++)
			free_big(w->hs[i]);
		free(w->hs);
	}
	for (int l = 0; l < MODEL_CONVS; l++) {
		free_big(w->x[l]);
		free_big(w->dx[l]);
		free_big(w->am[l]);
	}
	free_big(w->h);
	free_big(w->wt);
	free_big(w->dwt);
	free_big(w->sp_scratch);
	free_big(w->y);
	free_big(w->dy);
	free_big(w->mvec);
	free_big(w->v);
	free_big(w->dv);
	free_big(w->dvc);
	free_big(w->mc);
	free_big(w->dm);
	free(w->act);
	free(w->pidx);
	free(w->pe);
	free(w->pa1);
	free(w->pr1);
	free(w->pa2);
	free(w->s);
	free(w->ds);
	free(w->du);
	free(w->dpa2);
	free(w->dpr1);
	free(w->dpe);
	memset(w, 0, sizeof *w);
}

/* Tracks per chunk for layer c over n tracks: as many as the scratch holds,
 * evened out over the chunks. */
static int conv_chunk(const struct workspace *ws, const struct conv_shape *c, int n)
{
	size_t fit = ws->chunk_floats / ((size_t)c->S * c->Co);
	int per = fit < 1 ? 1 : fit > (size_t)n ? n : (int)fit;
	int chunks = (n + per - 1) / per;

	return chunks > 0 ? (n + chunks - 1) / chunks : 1;
}

/* Tracks [i0, i1) through every layer, with conv scratch h. */
static void tracks_forward_range(const struct model *m, struct workspace *ws, float *h, int i0,
                                 int i1)
{
	const struct conv_shape *c = m->conv;
	int E = (int)m->cfg.embedding, L = MODEL_CONVS - 1, n = i1 - i0;

	if (n <= 0)
		return;
	for (int l = 0; l < MODEL_CONVS; l++) {
		int ch = conv_chunk(ws, &c[l], n);
		for (int a = i0; a < i1; a += ch) {
			int nc = i1 - a < ch ? i1 - a : ch;
			const float *x = ws->x[l] + (size_t)a * c[l].S * c[l].Ci;
			int *am = ws->am[l] + (size_t)a * c[l].U * c[l].Co;
			conv1d_forward(h, x, m->p.cw[l], NULL, nc, c[l].T, c[l].Ci, c[l].Co, c[l].k);
			if (l < L)
				maxpool_forward(ws->x[l + 1] + (size_t)a * c[l + 1].S * c[l + 1].Ci, am, h,
				                m->p.cb[l], nc, c[l].T, c[l].S, c[l + 1].S,
				                conv_pad_left(c[l + 1].k), c[l].Co, c[l].p);
			else
				maxpool_forward(ws->y + (size_t)a * c[l].U * E, am, h, m->p.cb[l], nc,
				                c[l].T, c[l].S, c[l].U, 0, c[l].Co, c[l].p);
		}
	}
	mean_forward(ws->mvec + (size_t)i0 * E, ws->y + (size_t)i0 * c[L].U * E, n, c[L].U, c[L].U,
	             E);
	dense_forward(ws->v + (size_t)i0 * E, ws->mvec + (size_t)i0 * E, m->p.ow, m->p.ob, n, E, E);
}

struct forward_job {
	const struct model *m;
	struct workspace *ws;
	int n;
};

static void forward_part(void *ctx, int i)
{
	const struct forward_job *j = ctx;
	int t = j->ws->threads;

	tracks_forward_range(j->m, j->ws, j->ws->hs[i], (int)((long)j->n * i / t),
	                     (int)((long)j->n * (i + 1) / t));
}

void model_tracks_forward(const struct model *m, struct workspace *ws, int n)
{
	if (ws->threads > 1 && n > 1) {
		struct forward_job j = { m, ws, n };
		pool_run(ws->pool, forward_part, &j);
	} else {
		tracks_forward_range(m, ws, ws->h, 0, n);
	}
}

void model_playlists_forward(const struct model *m, struct workspace *ws, int B)
{
	int H = (int)m->cfg.hidden, E = (int)m->cfg.embedding;

	embedding_forward(ws->pe, ws->pidx, m->p.emb, B, H);
	relu_forward(ws->pe, ws->pe, (size_t)B * H);
	dense_forward(ws->pa1, ws->pe, m->p.d1w, m->p.d1b, B, H, H);
	relu_forward(ws->pr1, ws->pa1, (size_t)B * H);
	dense_forward(ws->u, ws->pr1, m->p.d2w, m->p.d2b, B, H, E);
}

void model_eval_step(struct model *m, struct workspace *ws, int B, int K, enum criterion crit,
                     float margin, struct step_stats *st)
{
	struct loss_stats ls;

	model_tracks_forward(m, ws, B * K);
	model_playlists_forward(m, ws, B);
	cosine_forward(ws->s, ws->u, ws->v, B, K, (int)m->cfg.embedding);
	loss_forward_backward(&ls, ws->ds, ws->s, B, K, crit, margin);
	st->loss = ls.loss;
	st->correct = ls.correct;
	st->active_terms = ls.active;
	st->active_tracks = 0;
}

static void playlists_backward(struct model *m, struct workspace *ws, int B)
{
	int H = (int)m->cfg.hidden, E = (int)m->cfg.embedding;
	size_t BH = (size_t)B * H;

	/* u = pr1 · d2w + d2b */
	memset(ws->dpr1, 0, BH * sizeof(float));
	dense_backward(ws->dpr1, m->g.d2w, m->g.d2b, ws->du, ws->pr1, m->p.d2w, B, H, E);
	/* pr1 = relu(pa1) */
	memset(ws->dpa2, 0, BH * sizeof(float));
	relu_backward(ws->dpa2, ws->dpr1, ws->pr1, BH);
	/* pa1 = pe · d1w + d1b */
	memset(ws->dpe, 0, BH * sizeof(float));
	dense_backward(ws->dpe, m->g.d1w, m->g.d1b, ws->dpa2, ws->pe, m->p.d1w, B, H, H);
	/* pe = relu(emb[pidx]): mask in place, then scatter */
	for (size_t i = 0; i < BH; i++)
		if (!(ws->pe[i] > 0.0f))
			ws->dpe[i] = 0.0f;
	embedding_backward(m->g.emb, ws->dpe, ws->pidx, B, H);
}

/* dst [cols][rows] = (or += when add) src [rows][cols] transposed, in tiles
 * that stay in L1 (a plain double loop strides through one of the two). */
static void transpose(float *restrict dst, const float *restrict src, size_t rows, size_t cols,
                      int add)
{
	enum { TB = 32 };

	for (size_t r0 = 0; r0 < rows; r0 += TB)
		for (size_t c0 = 0; c0 < cols; c0 += TB) {
			size_t r1 = r0 + TB < rows ? r0 + TB : rows, c1 = c0 + TB < cols ? c0 + TB : cols;
			for (size_t c = c0; c < c1; c++)
				for (size_t r = r0; r < r1; r++) {
					float v = src[r * cols + c];
					dst[c * rows + r] = add ? dst[c * rows + r] + v : v;
				}
		}
}

/* Layer l's backward through its pooling, ReLU and convolution, element by
 * element (layers.h); the weight gradient comes out transposed. */
static void sparse_conv_backward(struct model *m, struct workspace *ws, int l,
                                 const float *dpool, int So, int off, const int *seq, int na)
{
	const struct conv_shape *c = &m->conv[l];
	size_t kc = (size_t)c->k * c->Ci, Co = (size_t)c->Co;
	float *dw = m->g.cw[l];
	const float *w = m->p.cw[l];

	if (l > 0)
		transpose(ws->wt, w, kc, Co, 0);
	memset(ws->dwt, 0, Co * kc * sizeof(float));
	conv1d_pool_backward_sparse(l > 0 ? ws->dx[l] : NULL, ws->dwt, m->g.cb[l], dpool,
	                            ws->am[l], seq, ws->x[l], ws->wt, ws->sp_scratch,
	                            openblas_get_num_threads(), na, c->T, So, off, c->Ci, c->Co,
	                            c->k, c->p);
	transpose(dw, ws->dwt, Co, kc, 1);
}

/* Backward of the audio branch for the na tracks in ws->act, from their
 * vector gradients ws->dvc [na][E]. */
static void tracks_backward(struct model *m, struct workspace *ws, int na, int n)
{
	const struct conv_shape *c = m->conv;
	int E = (int)m->cfg.embedding, L = MODEL_CONVS - 1;
	int all = na == n;
	const int *seq = all ? NULL : ws->act;
	float **xs = ws->x;

	/* the active tracks' inputs packed to the front, in place: act[] is
	 * increasing, so act[a] >= a and a source is never overwritten before it
	 * is read (sequences are whole, pad rows included) */
	for (int l = 0; l < MODEL_CONVS && !all; l++) {
		size_t row = (size_t)c[l].S * c[l].Ci;
		for (int a = 0; a < na; a++)
			if (ws->act[a] != a)
				memcpy(xs[l] + a * row, xs[l] + (size_t)ws->act[a] * row, row * sizeof(float));
	}
	for (int a = 0; a < na; a++)
		memcpy(ws->mc + (size_t)a * E, ws->mvec + (size_t)(all ? a : ws->act[a]) * E,
		       (size_t)E * sizeof(float));
	/* v = mvec · ow + ob */
	memset(ws->dm, 0, (size_t)na * E * sizeof(float));
	dense_backward(ws->dm, m->g.ow, m->g.ob, ws->dvc, ws->mc, m->p.ow, na, E, E);
	/* mvec = mean_t y */
	memset(ws->dy, 0, (size_t)na * c[L].U * E * sizeof(float));
	mean_backward(ws->dy, ws->dm, na, c[L].U, c[L].U, E);
	for (int l = L; l >= 0; l--) {
		const float *dpool = l == L ? ws->dy : ws->dx[l + 1];
		int So = l == L ? c[l].U : c[l + 1].S, off = l == L ? 0 : conv_pad_left(c[l + 1].k);
		size_t xrow = (size_t)c[l].S * c[l].Ci;
		if (l > 0)
			memset(ws->dx[l], 0, (size_t)na * xrow * sizeof(float));
		/* the density is at most 1: when p * SPARSE_MAX_DENSITY > 1, no
		 * need to measure it */
		if (ws->sparse == SPARSE_ALWAYS ||
		    (ws->sparse == SPARSE_AUTO && c[l].p > 1 &&
		     (c[l].p * SPARSE_MAX_DENSITY > 1 ||
		      pool_density(dpool, ws->am[l], seq, na, c[l].U, So, off, c[l].Co) / c[l].p <
		      SPARSE_MAX_DENSITY))) {
			sparse_conv_backward(m, ws, l, dpool, So, off, seq, na);
			continue;
		}
		int ch = conv_chunk(ws, &c[l], na);
		for (int i0 = 0; i0 < na; i0 += ch) {
			int nc = na - i0 < ch ? na - i0 : ch;
			/* x[l+1] = relu(maxpool(h) + b) */
			memset(ws->dh, 0, (size_t)nc * c[l].S * c[l].Co * sizeof(float));
			maxpool_backward(ws->dh, m->g.cb[l], dpool + (size_t)i0 * So * c[l].Co,
			                 seq ? ws->am[l] : ws->am[l] + (size_t)i0 * c[l].U * c[l].Co,
			                 seq ? seq + i0 : NULL, nc, c[l].T, c[l].S, So, off, c[l].Co,
			                 c[l].p);
			/* h = conv(x[l]); the first layer's input gradient is never needed */
			conv1d_backward(l > 0 ? ws->dx[l] + i0 * xrow : NULL, m->g.cw[l], NULL, ws->dh,
			                xs[l] + i0 * xrow, m->p.cw[l], nc, c[l].T, c[l].Ci, c[l].Co,
			                c[l].k);
		}
	}
}

void model_train_step(struct model *m, struct workspace *ws, int B, int K, enum criterion crit,
                      float margin, int skip, struct step_stats *st)
{
	int E = (int)m->cfg.embedding, n = B * K, na = 0;
	struct loss_stats ls;

	model_tracks_forward(m, ws, n);
	model_playlists_forward(m, ws, B);
	cosine_forward(ws->s, ws->u, ws->v, B, K, E);
	loss_forward_backward(&ls, ws->ds, ws->s, B, K, crit, margin);
	st->loss = ls.loss;
	st->correct = ls.correct;
	st->active_terms = ls.active;

	memset(ws->du, 0, (size_t)B * E * sizeof(float));
	memset(ws->dv, 0, (size_t)n * E * sizeof(float));
	cosine_backward(ws->du, ws->dv, ws->ds, ws->u, ws->v, B, K, E);
	/* a track whose score has no gradient has none anywhere below it */
	for (int i = 0; i < n; i++)
		if (!skip || ws->ds[i] != 0.0f)
			ws->act[na++] = i;
	for (int a = 0; a < na; a++)
		memcpy(ws->dvc + (size_t)a * E, ws->dv + (size_t)ws->act[a] * E,
		       (size_t)E * sizeof(float));
	st->active_tracks = na;
	if (na > 0)
		tracks_backward(m, ws, na, n);
	playlists_backward(m, ws, B);
}
