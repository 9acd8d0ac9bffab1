/* test_dcue_layers.c — dcue-train's layers and model against slow, obvious
 * references and finite differences: convolution (forward and backward) vs
 * loops, every layer's backward vs central differences, the full loss under
 * both criteria, the skipped backward vs the full one, the forward pass
 * split between threads vs one thread, Nesterov SGD vs PyTorch's formula. */
#include "check.h"

#include "../../tools/dcue-train/layers.h"
#include "../../tools/dcue-train/loss.h"
#include "../../tools/dcue-train/model.h"
#include "tiny_model.h"
#include "rng.h"

#include <stdlib.h>
#include <string.h>

/* finite-difference step for the whole model: small enough that few
 * ReLU/max-pool kinks are crossed (1e-3 is not; errors shrink with it). */
#ifndef FDH
#define FDH 2e-4f
#endif

static struct rng R;

static float *randv(size_t n, float scale)
{
	float *x = malloc(n * sizeof(float));
	for (size_t i = 0; i < n; i++)
		x[i] = (2.0f * rng_float(&R) - 1.0f) * scale;
	return x;
}

static double dotd(const float *a, const float *b, size_t n)
{
	double s = 0;
	for (size_t i = 0; i < n; i++)
		s += (double)a[i] * b[i];
	return s;
}

/* zero the pad rows of a [n][S][C] sequence buffer */
static void zero_pads(float *x, int n, int T, int S, int off, int C)
{
	for (int i = 0; i < n; i++)
		for (int t = 0; t < S; t++)
			if (t < off || t >= off + T)
				memset(x + ((size_t)i * S + t) * C, 0, (size_t)C * sizeof(float));
}

/* --- convolution vs loops ------------------------------------------------ */

static void conv_ref(double *out, const float *inp, const float *w, const float *b, int n, int T,
                     int Ci, int Co, int k)
{
	int S = T + k - 1;
	for (int i = 0; i < n; i++)
		for (int t = 0; t < T; t++)
			for (int o = 0; o < Co; o++) {
				double s = b ? b[o] : 0;
				for (int j = 0; j < k; j++)
					for (int c = 0; c < Ci; c++)
						s += (double)inp[((size_t)i * S + t + j) * Ci + c] *
						     w[((size_t)j * Ci + c) * Co + o];
				out[((size_t)i * T + t) * Co + o] = s;
			}
}

static void test_conv(int n, int T, int Ci, int Co, int k)
{
	int S = T + k - 1, off = conv_pad_left(k);
	size_t ni = (size_t)n * S * Ci, no = (size_t)n * S * Co, nw = (size_t)k * Ci * Co;
	float *x = randv(ni, 1), *w = randv(nw, 1), *b = randv(Co, 1), *out = randv(no, 1);
	double *ref = malloc((size_t)n * T * Co * sizeof(double)), maxd = 0;

	zero_pads(x, n, T, S, off, Ci);
	conv1d_forward(out, x, w, b, n, T, Ci, Co, k);
	conv_ref(ref, x, w, b, n, T, Ci, Co, k);
	int bad = 0;
	for (int i = 0; i < n; i++)
		for (int t = 0; t < T; t++)
			for (int o = 0; o < Co; o++) {
				double r = ref[((size_t)i * T + t) * Co + o];
				double d = fabs(out[((size_t)i * S + t) * Co + o] - r);
				maxd = d > maxd ? d : maxd;
				bad += !(d <= 1e-4 + 1e-4 * fabs(r));
			}
	printf("conv n%d T%d %d->%d k%d: forward max diff %.3g\n", n, T, Ci, Co, k, maxd);
	CHECK_EQ_INT(bad, 0);

	/* backward vs the gradient of L = sum(out * g) computed by loops */
	float *g = randv(no, 1), *dx = calloc(ni, sizeof(float)), *dw = calloc(nw, sizeof(float));
	float *db = calloc(Co, sizeof(float));
	for (int i = 0; i < n; i++)
		for (int t = T; t < S; t++)
			memset(g + ((size_t)i * S + t) * Co, 0, (size_t)Co * sizeof(float));
	conv1d_backward(dx, dw, db, g, x, w, n, T, Ci, Co, k);
	bad = 0;
	maxd = 0;
	for (int j = 0; j < k; j++)
		for (int c = 0; c < Ci; c++)
			for (int o = 0; o < Co; o++) {
				double s = 0;
				for (int i = 0; i < n; i++)
					for (int t = 0; t < T; t++)
						s += (double)x[((size_t)i * S + t + j) * Ci + c] *
						     g[((size_t)i * S + t) * Co + o];
				double d = fabs(dw[((size_t)j * Ci + c) * Co + o] - s);
				maxd = d > maxd ? d : maxd;
				bad += !(d <= 1e-4 + 1e-4 * fabs(s));
			}
	for (int i = 0; i < n; i++)
		for (int r = 0; r < S; r++)
			for (int c = 0; c < Ci; c++) {
				double s = 0;
				for (int j = 0; j < k; j++) {
					int t = r - j;
					if (t < 0 || t >= T)
						continue;
					for (int o = 0; o < Co; o++)
						s += (double)g[((size_t)i * S + t) * Co + o] *
						     w[((size_t)j * Ci + c) * Co + o];
				}
				double d = fabs(dx[((size_t)i * S + r) * Ci + c] - s);
				maxd = d > maxd ? d : maxd;
				bad += !(d <= 1e-4 + 1e-4 * fabs(s));
			}
	for (int o = 0; o < Co; o++) {
		double s = 0;
		for (int i = 0; i < n; i++)
			for (int t = 0; t < T; t++)
				s += g[((size_t)i * S + t) * Co + o];
		bad += !(fabs(db[o] - s) <= 1e-4 + 1e-4 * fabs(s));
	}
	printf("conv backward max diff %.3g\n", maxd);
	CHECK_EQ_INT(bad, 0);
	free(x), free(w), free(b), free(out), free(ref), free(g), free(dx), free(dw), free(db);
}

/* --- finite differences for each layer ------------------------------------ */

/* L(x) = sum(f(x) * g); returns the worst |analytic - numeric| relative to
 * atol + rtol*|numeric| (<= 1 passes). */
typedef double (*loss_fn)(void *ctx);

static double fd_check(const char *what, loss_fn L, void *ctx, float *x, const float *grad,
                       size_t n, float h, double atol, double rtol)
{
	double worst = 0, at_a = 0, at_n = 0;
	size_t step = n > 300 ? n / 300 : 1;
	for (size_t i = 0; i < n; i += step) {
		float x0 = x[i];
		x[i] = x0 + h;
		double lp = L(ctx);
		x[i] = x0 - h;
		double lm = L(ctx);
		x[i] = x0;
		double num = (lp - lm) / (2.0 * (double)h);
		double e = fabs(grad[i] - num) / (atol + rtol * fabs(num));
		if (e > worst) {
			worst = e;
			at_a = grad[i];
			at_n = num;
		}
	}
	printf("%-28s worst error %.3f of tolerance (analytic %.6g numeric %.6g)\n", what, worst,
	       at_a, at_n);
	return worst;
}

struct pool_ctx { float *x, *b, *out, *g; int *am; int n, T, S, So, off, C, p; };

static double pool_loss(void *v)
{
	struct pool_ctx *c = v;
	memset(c->out, 0, (size_t)c->n * c->So * c->C * sizeof(float));
	maxpool_forward(c->out, c->am, c->x, c->b, c->n, c->T, c->S, c->So, c->off, c->C, c->p);
	return dotd(c->out, c->g, (size_t)c->n * c->So * c->C);
}

static void test_pool_fd(void)
{
	struct pool_ctx c = { .n = 3, .T = 13, .C = 5, .p = 4, .off = 1 };
	c.S = c.T + 2;
	c.So = c.T / c.p + 3;
	size_t ni = (size_t)c.n * c.S * c.C;
	/* values spaced 0.01 apart so a step of 1e-3 never changes a max */
	c.x = malloc(ni * sizeof(float));
	uint32_t *perm = malloc(ni * sizeof(uint32_t));
	for (size_t i = 0; i < ni; i++)
		perm[i] = (uint32_t)i;
	rng_shuffle_u32(&R, perm, ni);
	for (size_t i = 0; i < ni; i++)
		c.x[i] = ((float)perm[i] - (float)ni / 2) * 0.01f + 0.005f;
	c.b = randv(c.C, 0.1f);
	c.b[0] = 0.0025f;
	c.out = malloc((size_t)c.n * c.So * c.C * sizeof(float));
	c.g = randv((size_t)c.n * c.So * c.C, 1);
	c.am = malloc((size_t)c.n * (c.T / c.p) * c.C * sizeof(int));
	pool_loss(&c);
	float *dx = calloc(ni, sizeof(float)), *db = calloc(c.C, sizeof(float));
	maxpool_backward(dx, db, c.g, c.am, NULL, c.n, c.T, c.S, c.So, c.off, c.C, c.p);
	CHECK(fd_check("maxpool+relu dinp", pool_loss, &c, c.x, dx, ni, 1e-3f, 1e-3, 1e-2) <= 1);
	CHECK(fd_check("maxpool+relu db", pool_loss, &c, c.b, db, c.C, 1e-4f, 1e-3, 1e-2) <= 1);
	/* a sequence map: backward of sequences {2, 0} only */
	int seq[2] = { 2, 0 };
	float *g2 = malloc((size_t)2 * c.So * c.C * sizeof(float));
	memcpy(g2, c.g + (size_t)2 * c.So * c.C, (size_t)c.So * c.C * sizeof(float));
	memcpy(g2 + (size_t)c.So * c.C, c.g, (size_t)c.So * c.C * sizeof(float));
	float *dx2 = calloc((size_t)2 * c.S * c.C, sizeof(float));
	maxpool_backward(dx2, NULL, g2, c.am, seq, 2, c.T, c.S, c.So, c.off, c.C, c.p);
	CHECK(memcmp(dx2, dx + (size_t)2 * c.S * c.C, (size_t)c.S * c.C * sizeof(float)) == 0);
	CHECK(memcmp(dx2 + (size_t)c.S * c.C, dx, (size_t)c.S * c.C * sizeof(float)) == 0);
	free(perm), free(c.x), free(c.b), free(c.out), free(c.g), free(c.am), free(dx), free(db);
	free(g2), free(dx2);
}

struct dense_ctx { float *x, *w, *b, *out, *g; int n, I, O; };

static double dense_loss(void *v)
{
	struct dense_ctx *c = v;
	dense_forward(c->out, c->x, c->w, c->b, c->n, c->I, c->O);
	return dotd(c->out, c->g, (size_t)c->n * c->O);
}

static void test_dense_fd(void)
{
	struct dense_ctx c = { .n = 4, .I = 7, .O = 5 };
	c.x = randv((size_t)c.n * c.I, 1);
	c.w = randv((size_t)c.I * c.O, 1);
	c.b = randv(c.O, 1);
	c.out = malloc((size_t)c.n * c.O * sizeof(float));
	c.g = randv((size_t)c.n * c.O, 1);
	float *dx = calloc((size_t)c.n * c.I, 4), *dw = calloc((size_t)c.I * c.O, 4);
	float *db = calloc(c.O, 4);
	dense_backward(dx, dw, db, c.g, c.x, c.w, c.n, c.I, c.O);
	/* linear: a large step is exact up to rounding */
	CHECK(fd_check("dense dinp", dense_loss, &c, c.x, dx, (size_t)c.n * c.I, 0.05f, 1e-4, 1e-3) <= 1);
	CHECK(fd_check("dense dw", dense_loss, &c, c.w, dw, (size_t)c.I * c.O, 0.05f, 1e-4, 1e-3) <= 1);
	CHECK(fd_check("dense db", dense_loss, &c, c.b, db, c.O, 0.05f, 1e-4, 1e-3) <= 1);
	free(c.x), free(c.w), free(c.b), free(c.out), free(c.g), free(dx), free(dw), free(db);
}

struct misc_ctx { float *x, *out, *g; int *idx; int n, T, S, C, kind; };

static double misc_loss(void *v)
{
	struct misc_ctx *c = v;
	size_t no;
	if (c->kind == 0) {          /* mean */
		mean_forward(c->out, c->x, c->n, c->T, c->S, c->C);
		no = (size_t)c->n * c->C;
	} else if (c->kind == 1) {   /* relu */
		relu_forward(c->out, c->x, (size_t)c->n * c->C);
		no = (size_t)c->n * c->C;
	} else {                     /* embedding: x is the table */
		embedding_forward(c->out, c->idx, c->x, c->n, c->C);
		no = (size_t)c->n * c->C;
	}
	return dotd(c->out, c->g, no);
}

static void test_misc_fd(void)
{
	struct misc_ctx c = { .n = 3, .T = 5, .S = 6, .C = 4 };
	size_t nx = (size_t)c.n * c.S * c.C;
	c.x = randv(nx, 1);
	c.out = malloc(nx * sizeof(float));
	c.g = randv(nx, 1);
	float *dx = calloc(nx, 4);
	c.kind = 0;
	mean_backward(dx, c.g, c.n, c.T, c.S, c.C);
	CHECK(fd_check("mean", misc_loss, &c, c.x, dx, nx, 0.05f, 1e-4, 1e-3) <= 1);

	c.kind = 1;
	for (size_t i = 0; i < nx; i++)      /* keep away from the kink */
		if (fabsf(c.x[i]) < 0.05f)
			c.x[i] = 0.1f;
	misc_loss(&c);
	memset(dx, 0, nx * 4);
	relu_backward(dx, c.g, c.out, (size_t)c.n * c.C);
	CHECK(fd_check("relu", misc_loss, &c, c.x, dx, (size_t)c.n * c.C, 1e-2f, 1e-4, 1e-3) <= 1);

	c.kind = 2;
	int idx[3] = { 1, 0, 1 };
	c.idx = idx;
	memset(dx, 0, nx * 4);
	embedding_backward(dx, c.g, idx, c.n, c.C);
	CHECK(fd_check("embedding", misc_loss, &c, c.x, dx, 2 * (size_t)c.C, 0.05f, 1e-4, 1e-3) <= 1);
	free(c.x), free(c.out), free(c.g), free(dx);
}

/* --- cosine + losses ------------------------------------------------------- */

struct loss_ctx { float *u, *v, *s, *ds; int B, K, E; enum criterion crit; float margin; };

static double score_loss(void *vc)
{
	struct loss_ctx *c = vc;
	struct loss_stats st;
	cosine_forward(c->s, c->u, c->v, c->B, c->K, c->E);
	loss_forward_backward(&st, c->ds, c->s, c->B, c->K, c->crit, c->margin);
	return st.loss;
}

static void test_loss_fd(enum criterion crit)
{
	struct loss_ctx c = { .B = 3, .K = 5, .E = 6, .crit = crit, .margin = 0.5f };
	size_t nv = (size_t)c.B * c.K * c.E;
	c.u = randv((size_t)c.B * c.E, 1);
	c.v = randv(nv, 1);
	c.s = malloc((size_t)c.B * c.K * 4);
	c.ds = malloc((size_t)c.B * c.K * 4);
	float *du = calloc((size_t)c.B * c.E, 4), *dv = calloc(nv, 4);
	score_loss(&c);
	cosine_backward(du, dv, c.ds, c.u, c.v, c.B, c.K, c.E);
	const char *name = crit == CRIT_MULTI_MARGIN ? "multi_margin" : "cross_entropy";
	char what[64];
	snprintf(what, sizeof what, "%s du", name);
	CHECK(fd_check(what, score_loss, &c, c.u, du, (size_t)c.B * c.E, 1e-3f, 2e-4, 2e-2) <= 1);
	snprintf(what, sizeof what, "%s dv", name);
	CHECK(fd_check(what, score_loss, &c, c.v, dv, nv, 1e-3f, 2e-4, 2e-2) <= 1);

	/* MultiMarginLoss by hand: s = (0.9, 0.1, 0.8), margin 0.2 →
	 * (max(0, 0.2-0.9+0.1) + max(0, 0.2-0.9+0.8)) / 3 = 0.1/3 */
	if (crit == CRIT_MULTI_MARGIN) {
		float s[3] = { 0.9f, 0.1f, 0.8f }, ds[3];
		struct loss_stats st;
		loss_forward_backward(&st, ds, s, 1, 3, crit, 0.2f);
		CHECK_CLOSE(st.loss, 0.1 / 3, 1e-6, 1e-5);
		CHECK_EQ_INT(st.active, 1);
		CHECK(ds[1] == 0.0f);
		CHECK_CLOSE(ds[2], 1.0 / 3, 1e-7, 1e-6);
		CHECK_CLOSE(ds[0], -1.0 / 3, 1e-7, 1e-6);
		CHECK_EQ_INT(st.correct, 1);
	} else {
		float s[3] = { 0.5f, -0.5f, 0.0f }, ds[3];
		struct loss_stats st;
		loss_forward_backward(&st, ds, s, 1, 3, crit, 0);
		double z = exp(0.5) + exp(-0.5) + 1;
		CHECK_CLOSE(st.loss, -0.5 + log(z), 1e-6, 1e-5);
		CHECK_CLOSE(ds[0], exp(0.5) / z - 1, 1e-6, 1e-5);
	}
	free(c.u), free(c.v), free(c.s), free(c.ds), free(du), free(dv);
}

/* --- the sparse conv + pool backward vs its definition ---------------------- */

/* n tracks (sequence seq[i] of argmax, or i), random winners (a fifth cut
 * off by the ReLU) and gradients (a third 0), into buffers that already hold
 * values (the kernel accumulates); threads 1 and 2. */
static void test_sparse(int n, int T, int Ci, int Co, int k, int p, int use_seq)
{
	int S = T + k - 1, U = T / p, So = U + 3, off = 1, kc = k * Ci, nseq = n + 2;
	size_t ni = (size_t)n * S * Ci, nw = (size_t)Co * kc;
	float *inp = randv(ni, 1), *wt = randv(nw, 1), *dpool = randv((size_t)n * So * Co, 1);
	float *dinp0 = randv(ni, 1), *dwt0 = randv(nw, 1), *db0 = randv((size_t)Co, 1);
	int *am = malloc((size_t)nseq * U * Co * sizeof(int)), *seq = malloc((size_t)n * sizeof(int));
	double *rin = malloc(ni * sizeof(double)), *rw = malloc(nw * sizeof(double));
	double rb[512];

	for (size_t q = 0; q < (size_t)nseq * U * Co; q++) {
		int u = (int)(q / Co % U);
		am[q] = rng_float(&R) < 0.2f ? -1 : u * p + (int)(rng_float(&R) * p) % p;
	}
	for (size_t q = 0; q < (size_t)n * So * Co; q++)
		if (rng_float(&R) < 0.33f)
			dpool[q] = 0.0f;
	for (int i = 0; i < n; i++)
		seq[i] = use_seq ? nseq - 1 - i : i;
	for (size_t q = 0; q < ni; q++)
		rin[q] = dinp0[q];
	for (size_t q = 0; q < nw; q++)
		rw[q] = dwt0[q];
	for (int c = 0; c < Co; c++)
		rb[c] = db0[c];
	for (int i = 0; i < n; i++)
		for (int u = 0; u < U; u++)
			for (int c = 0; c < Co; c++) {
				int a = am[((size_t)seq[i] * U + u) * Co + c];
				double g = dpool[((size_t)i * So + off + u) * Co + c];
				if (a < 0 || g == 0)
					continue;
				size_t w = ((size_t)i * S + a) * Ci;
				rb[c] += g;
				for (int q = 0; q < kc; q++) {
					rw[(size_t)c * kc + q] += g * inp[w + q];
					rin[w + q] += g * wt[(size_t)c * kc + q];
				}
			}
	void *scratch = malloc(conv1d_pool_backward_sparse_scratch(T, Ci, Co, k, p));
	float *dinp = malloc(ni * sizeof(float)), *dwt = malloc(nw * sizeof(float));
	float db[512];
	for (int threads = 1; threads <= 2; threads++) {
		memcpy(dinp, dinp0, ni * sizeof(float));
		memcpy(dwt, dwt0, nw * sizeof(float));
		memcpy(db, db0, (size_t)Co * sizeof(float));
		conv1d_pool_backward_sparse(dinp, dwt, db, dpool, am, use_seq ? seq : NULL, inp, wt,
		                            scratch, threads, n, T, So, off, Ci, Co, k, p);
		double worst = 0;
#define WORST(got, ref, cnt) \
		for (size_t q = 0; q < (cnt); q++) { \
			double d = fabs((got)[q] - (ref)[q]) / (1e-5 + 1e-5 * fabs((ref)[q])); \
			worst = d > worst ? d : worst; \
		}
		WORST(dinp, rin, ni)
		WORST(dwt, rw, nw)
		WORST(db, rb, (size_t)Co)
#undef WORST
		printf("sparse conv+pool backward n %d T %d Ci %d Co %d k %d p %d seq %d threads %d: "
		       "worst diff %.3f of tolerance\n", n, T, Ci, Co, k, p, use_seq, threads, worst);
		CHECK(worst <= 1);
	}
	free(inp), free(wt), free(dpool), free(dinp0), free(dwt0), free(db0), free(am), free(seq);
	free(rin), free(rw), free(scratch), free(dinp), free(dwt);
}

/* --- the whole model ------------------------------------------------------- */

struct model_ctx { struct model *m; struct workspace *ws; float *x0; int B, K; enum criterion crit; };

static double model_loss(void *v)
{
	struct model_ctx *c = v;
	struct step_stats st;
	size_t nx = (size_t)c->B * c->K * c->m->conv[0].S * c->m->conv[0].Ci;
	memcpy(c->ws->x[0], c->x0, nx * sizeof(float));
	model_eval_step(c->m, c->ws, c->B, c->K, c->crit, 0.6f, &st);
	return st.loss;
}

static void fill_input(struct model *m, float *x0, int n)
{
	const struct conv_shape *s = &m->conv[0];
	for (size_t i = 0; i < (size_t)n * s->S * s->Ci; i++)
		x0[i] = 2.0f * rng_float(&R) - 1.0f;
	zero_pads(x0, n, s->T, s->S, conv_pad_left(s->k), s->Ci);
}

static void test_model(enum criterion crit)
{
	struct dcue_config cfg = tiny_config(4);
	struct model m;
	struct workspace ws;
	int B = 2, K = 4, n = B * K;

	model_init(&m, &cfg);
	model_randomize(&m, &R);
	workspace_init(&ws, &m, n, B);
	float *x0 = malloc((size_t)n * m.conv[0].S * m.conv[0].Ci * sizeof(float));
	fill_input(&m, x0, n);
	ws.pidx[0] = 2;
	ws.pidx[1] = 0;
	struct model_ctx c = { &m, &ws, x0, B, K, crit };

	/* full backward, dense convolution gradients */
	struct step_stats st;
	ws.sparse = SPARSE_NEVER;
	model_zero_grad(&m);
	memcpy(ws.x[0], x0, (size_t)n * m.conv[0].S * m.conv[0].Ci * sizeof(float));
	model_train_step(&m, &ws, B, K, crit, 0.6f, 0, &st);
	float *full = malloc(m.n_params * sizeof(float));
	memcpy(full, m.grad_mem, m.n_params * sizeof(float));
	CHECK_CLOSE(st.loss, model_loss(&c), 1e-6, 1e-5);
	/* the sparse (element by element) convolution gradients are the same */
	ws.sparse = SPARSE_ALWAYS;
	model_zero_grad(&m);
	memcpy(ws.x[0], x0, (size_t)n * m.conv[0].S * m.conv[0].Ci * sizeof(float));
	model_train_step(&m, &ws, B, K, crit, 0.6f, 0, &st);
	double sd = 0;
	for (size_t i = 0; i < m.n_params; i++) {
		double d = fabs(m.grad_mem[i] - full[i]) / (1e-7 + 1e-5 * fabs(full[i]));
		sd = d > sd ? d : sd;
	}
	printf("%s: sparse conv backward vs dense: worst diff %.3f of tolerance\n",
	       crit == CRIT_MULTI_MARGIN ? "multi_margin" : "cross_entropy", sd);
	CHECK(sd <= 1);
	ws.sparse = SPARSE_AUTO;

	const char *name = crit == CRIT_MULTI_MARGIN ? "model multi_margin" : "model cross_entropy";
	double worst = 0;
	/* each tensor: a step small enough to cross few kinks, tolerance for
	 * float rounding of the loss */
	struct { const char *t; float *p, *g; size_t n; } ts[] = {
		{ "emb", m.p.emb, full + (m.p.emb - m.param_mem), (size_t)cfg.n_playlists * cfg.hidden },
		{ "d1w", m.p.d1w, full + (m.p.d1w - m.param_mem), (size_t)cfg.hidden * cfg.hidden },
		{ "d2w", m.p.d2w, full + (m.p.d2w - m.param_mem), (size_t)cfg.hidden * cfg.embedding },
		{ "c0w", m.p.cw[0], full + (m.p.cw[0] - m.param_mem), (size_t)4 * 5 * 4 },
		{ "c0b", m.p.cb[0], full + (m.p.cb[0] - m.param_mem), 4 },
		{ "c1w", m.p.cw[1], full + (m.p.cw[1] - m.param_mem), (size_t)4 * 4 * 6 },
		{ "c2w", m.p.cw[2], full + (m.p.cw[2] - m.param_mem), (size_t)4 * 6 * 6 },
		{ "c3w", m.p.cw[3], full + (m.p.cw[3] - m.param_mem), (size_t)2 * 6 * 6 },
		{ "c4w", m.p.cw[4], full + (m.p.cw[4] - m.param_mem), (size_t)6 * 6 },
		{ "c4b", m.p.cb[4], full + (m.p.cb[4] - m.param_mem), 6 },
		{ "ow", m.p.ow, full + (m.p.ow - m.param_mem), (size_t)6 * 6 },
		{ "ob", m.p.ob, full + (m.p.ob - m.param_mem), 6 },
	};
	for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++) {
		char what[64];
		snprintf(what, sizeof what, "%s %s", name, ts[i].t);
		double e = fd_check(what, model_loss, &c, ts[i].p, ts[i].g, ts[i].n, FDH, 3e-4, 3e-2);
		worst = e > worst ? e : worst;
	}
	CHECK(worst <= 1);

	/* skipping the backward of tracks with no score gradient changes nothing
	 * (margin 0.05: some hinge terms are 0) */
	float mg = 0.6f;
	if (crit == CRIT_MULTI_MARGIN) {
		/* a margin between the score gaps, so some terms are 0 and some not */
		float gaps[64];
		int ng = 0;
		model_loss(&c);
		for (int b = 0; b < B; b++)
			for (int j = 1; j < K; j++)
				gaps[ng++] = ws.s[b * K] - ws.s[b * K + j];
		float lo = gaps[0], hi = gaps[0];
		for (int i = 1; i < ng; i++)
			lo = fminf(lo, gaps[i]), hi = fmaxf(hi, gaps[i]);
		mg = 0.5f * (lo + hi);
	}
	model_zero_grad(&m);
	memcpy(ws.x[0], x0, (size_t)n * m.conv[0].S * m.conv[0].Ci * sizeof(float));
	model_train_step(&m, &ws, B, K, crit, mg, 0, &st);
	memcpy(full, m.grad_mem, m.n_params * sizeof(float));
	model_zero_grad(&m);
	memcpy(ws.x[0], x0, (size_t)n * m.conv[0].S * m.conv[0].Ci * sizeof(float));
	model_train_step(&m, &ws, B, K, crit, mg, 1, &st);
	double maxd = 0;
	for (size_t i = 0; i < m.n_params; i++) {
		double d = fabs(m.grad_mem[i] - full[i]) / (1e-7 + 1e-5 * fabs(full[i]));
		maxd = d > maxd ? d : maxd;
	}
	printf("%s: skipped backward ran %d of %d tracks, worst diff %.3f of tolerance\n", name,
	       st.active_tracks, n, maxd);
	CHECK(maxd <= 1);
	if (crit == CRIT_MULTI_MARGIN)
		CHECK(st.active_tracks < n);
	free(full);
	free(x0);
	workspace_free(&ws);
	model_free(&m);
}

/* A pass of many tracks runs its convolutions chunk by chunk: with a
 * scratch of 13 first-layer tracks (less than the workspace holds), the
 * gradient of a batch of 2B samples (seven chunks) must be the mean of those
 * of its two halves (four), with
 * and without skipping, dense and sparse. */
static void test_chunks(void)
{
	struct dcue_config cfg = tiny_config(4);
	struct model m;
	struct workspace ws;
	int B = 20, K = 4, n = B * K;

	model_init(&m, &cfg);
	model_randomize(&m, &R);
	workspace_init(&ws, &m, n, B);
	ws.chunk_floats = (size_t)13 * m.conv[0].S * m.conv[0].Co;
	CHECK(13 <= MODEL_CHUNK);
	size_t seq = (size_t)m.conv[0].S * m.conv[0].Ci;
	float *x0 = malloc((size_t)n * seq * sizeof(float));
	int pidx[20];
	fill_input(&m, x0, n);
	for (int b = 0; b < B; b++)
		pidx[b] = b % (int)cfg.n_playlists;
	float *whole = malloc(m.n_params * sizeof(float));
	for (int mode = 0; mode < 4; mode++) {
		int skip = mode & 1;
		ws.sparse = mode < 2 ? SPARSE_NEVER : SPARSE_ALWAYS;
		struct step_stats st;
		model_zero_grad(&m);
		memcpy(ws.x[0], x0, (size_t)n * seq * sizeof(float));
		memcpy(ws.pidx, pidx, sizeof pidx);
		model_train_step(&m, &ws, B, K, CRIT_MULTI_MARGIN, 0.3f, skip, &st);
		memcpy(whole, m.grad_mem, m.n_params * sizeof(float));
		model_zero_grad(&m);
		for (int h = 0; h < 2; h++) {
			memcpy(ws.x[0], x0 + (size_t)h * (n / 2) * seq, (size_t)(n / 2) * seq * sizeof(float));
			memcpy(ws.pidx, pidx + h * (B / 2), (B / 2) * sizeof(int));
			model_train_step(&m, &ws, B / 2, K, CRIT_MULTI_MARGIN, 0.3f, skip, &st);
		}
		double worst = 0;
		for (size_t i = 0; i < m.n_params; i++) {
			double d = fabs(whole[i] - 0.5 * m.grad_mem[i]) / (1e-6 + 1e-4 * fabs(whole[i]));
			worst = d > worst ? d : worst;
		}
		printf("chunked pass of %d tracks (skip %d, %s): worst diff %.3f of tolerance\n", n,
		       skip, mode < 2 ? "dense" : "sparse", worst);
		CHECK(worst <= 1);
	}
	free(whole), free(x0);
	workspace_free(&ws);
	model_free(&m);
}

/* The forward pass split between threads (workspace_threads) gives every
 * track the vector and argmax of the one-thread pass, for any split
 * (fewer tracks than threads included); chunks of 13 tracks force several
 * chunks per thread. */
static void test_forward_threads(void)
{
	struct dcue_config cfg = tiny_config(4);
	struct model m;
	struct workspace one, par;
	int ns[] = { 1, 2, 5, 37 };

	model_init(&m, &cfg);
	model_randomize(&m, &R);
	const struct conv_shape *c0 = &m.conv[0];
	size_t seq = (size_t)c0->S * c0->Ci, E = cfg.embedding;
	size_t am0 = (size_t)c0->U * c0->Co;
	for (int threads = 2; threads <= 3; threads++) {
		workspace_init(&one, &m, 37, 1);
		workspace_init(&par, &m, 37, 1);
		one.chunk_floats = par.chunk_floats = (size_t)13 * c0->S * c0->Co;
		workspace_threads(&par, threads);
		CHECK(par.threads == threads);
		for (size_t q = 0; q < sizeof ns / sizeof ns[0]; q++) {
			int n = ns[q];
			fill_input(&m, one.x[0], n);
			memcpy(par.x[0], one.x[0], (size_t)n * seq * sizeof(float));
			memset(par.v, 0xff, (size_t)n * E * sizeof(float));   /* NaN: all written */
			model_tracks_forward(&m, &one, n);
			model_tracks_forward(&m, &par, n);
			double worst = 0;
			for (size_t i = 0; i < (size_t)n * E; i++) {
				double d = fabs(one.v[i] - par.v[i]) / (1e-7 + 1e-6 * fabs(one.v[i]));
				if (!(d <= worst))
					worst = d != d ? 1e9 : d;   /* NaN: never written */
			}
			printf("forward on %d threads, %d tracks: worst diff %.3f of tolerance\n", threads,
			       n, worst);
			CHECK(worst <= 1);
			CHECK(memcmp(one.am[0], par.am[0], (size_t)n * am0 * sizeof(int)) == 0);
		}
		workspace_free(&par);
		workspace_free(&one);
	}
	model_free(&m);
}

static void test_sgd(void)
{
	struct dcue_config cfg = tiny_config(4);
	struct model m;
	model_init(&m, &cfg);
	model_randomize(&m, &R);
	float p0 = m.param_mem[3], g1 = 0.5f, g2 = -0.25f, lr = 0.1f, mu = 0.9f;
	/* PyTorch: buf = g; p -= lr*(g + mu*buf); then buf = mu*buf + g ... */
	model_zero_grad(&m);
	m.grad_mem[3] = g1;
	model_sgd_step(&m, lr, mu);
	float buf = g1, p = p0 - lr * (g1 + mu * buf);
	CHECK(m.param_mem[3] == p);
	m.grad_mem[3] = g2;
	model_sgd_step(&m, lr, mu);
	buf = mu * buf + g2;
	p = p - lr * (g2 + mu * buf);
	CHECK(m.param_mem[3] == p);
	CHECK(m.mom_mem[3] == buf);
	model_free(&m);
}

int main(void)
{
	rng_seed(&R, 42);
	test_conv(3, 9, 5, 7, 4);
	test_conv(2, 4, 3, 2, 2);
	test_conv(2, 1, 4, 3, 1);
	test_conv(1, 130, 16, 8, 4);
	test_pool_fd();
	test_sparse(3, 9, 5, 7, 4, 4, 0);
	test_sparse(7, 8, 12, 9, 2, 2, 1);
	test_sparse(4, 130, 128, 64, 4, 4, 1);
	test_sparse(300, 5, 25, 6, 3, 2, 0);
	test_sparse(5, 16, 16, 33, 1, 1, 1);
	test_dense_fd();
	test_misc_fd();
	test_loss_fd(CRIT_MULTI_MARGIN);
	test_loss_fd(CRIT_CROSS_ENTROPY);
	test_model(CRIT_MULTI_MARGIN);
	test_model(CRIT_CROSS_ENTROPY);
	test_chunks();
	test_forward_threads();
	test_sgd();
	return check_done();
}
