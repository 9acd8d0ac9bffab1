/* layers.c — see layers.h.  GEMMs go through gemm.h (oneDNN or OpenBLAS).
 *
 * The convolution is a GEMM on the input read with overlapping rows, but
 * BLAS refuses lda < K.  The forward pass sums k GEMMs of depth Ci, the
 * j-th on the input shifted by j rows (lda = Ci) times the weights' row
 * block j: each call packs only its 1/k of the weights, all rows at once
 * (the split by residue below packed all of them k times, 7% of a forward
 * pass).  The backward splits the rows by residue modulo k: rows
 * r = j, j+k, j+2k, ... start k*Ci floats apart, a legal lda, and their
 * windows do not overlap, so the input gradient is k plain GEMMs writing
 * disjoint windows (beta = 1). */
#include "layers.h"

#include "gemm.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void conv1d_forward(float *out, const float *inp, const float *w, const float *b,
                    int n, int T, int Ci, int Co, int k)
{
	int S = T + k - 1, rows = n * S - (k - 1);

	/* out[r] = sum_j inp[r + j] (Ci floats) · w[j]: k GEMMs over every row,
	 * the input read shifted by j rows (lda = Ci), each packing only its
	 * slice of the weights */
	for (int j = 0; j < k; j++)
		sgemm_rm(0, 0, rows, Co, Ci, 1.0f, inp + (size_t)j * Ci, Ci, w + (size_t)j * Ci * Co, Co,
		         j > 0 ? 1.0f : 0.0f, out, Co);
	if (b != NULL)
		for (int r = 0; r < rows; r++)
			for (int c = 0; c < Co; c++)
				out[(size_t)r * Co + c] += b[c];
}

void conv1d_backward(float *dinp, float *dw, float *db, const float *dout,
                     const float *inp, const float *w, int n, int T, int Ci, int Co, int k)
{
	int S = T + k - 1, rows = n * S - (k - 1);

	/* out[r] = inp[r .. r+k) · w over every row, junk rows included: their
	 * gradient is 0, so they add nothing. */
	for (int j = 0; j < k && j < rows; j++) {
		int m = (rows - j + k - 1) / k;
		/* dw += A_j^T · dout_j */
		sgemm_rm(1, 0, k * Ci, Co, m, 1.0f, inp + (size_t)j * Ci, k * Ci, dout + (size_t)j * Co,
		         k * Co, 1.0f, dw, Co);
		/* the windows of rows j, j+k, ... are disjoint: dinp += dout_j · w^T */
		if (dinp != NULL)
			sgemm_rm(0, 1, m, k * Ci, Co, 1.0f, dout + (size_t)j * Co, k * Co, w, Co, 1.0f,
			         dinp + (size_t)j * Ci, k * Ci);
	}
	if (db != NULL)
		for (int i = 0; i < n; i++)
			for (int t = 0; t < T; t++)
				for (int c = 0; c < Co; c++)
					db[c] += dout[((size_t)i * S + t) * Co + c];
}

/* gcc's per-function optimisation level; clang (the fuzz builds) has none */
#if defined(__clang__)
#define OPT_O3
#else
#define OPT_O3 optimize("O3")
#endif

/* -O2's cheap vectoriser cost model leaves these loops scalar; at 8% of a
 * training step, they are worth -O3's. */
__attribute__((OPT_O3))
void maxpool_forward(float *out, int *argmax, const float *inp, const float *b, int n, int T,
                     int Si, int So, int off, int C, int p)
{
	enum { CH = 64 };
	int U = T / p;

	for (int i = 0; i < n; i++)
		for (int u = 0; u < U; u++) {
			const float *x = inp + ((size_t)i * Si + (size_t)u * p) * C;
			float *o = out + ((size_t)i * So + off + u) * C;
			int *a = argmax + ((size_t)i * U + u) * C;
			/* channels in chunks held in local arrays: no aliasing, so the
			 * branch-free loops vectorise */
			for (int c0 = 0; c0 < C; c0 += CH) {
				int nc = C - c0 < CH ? C - c0 : CH;
				float best[CH], bias[CH];
				int arg[CH];
				for (int c = 0; c < nc; c++)
					bias[c] = b ? b[c0 + c] : 0.0f;
				for (int c = 0; c < nc; c++) {
					best[c] = x[c0 + c];
					arg[c] = u * p;
				}
				for (int j = 1; j < p; j++) {
					const float *xj = x + (size_t)j * C + c0;
					int r = u * p + j;
					for (int c = 0; c < nc; c++) {
						float v = xj[c], cur = best[c];
						int m = -(v > cur);   /* all ones where v wins */
						arg[c] = (arg[c] & ~m) | (r & m);
						best[c] = v > cur ? v : cur;
					}
				}
				for (int c = 0; c < nc; c++) {
					/* max(relu(x + b)) = relu(max(x) + b) */
					float v = best[c] + bias[c];
					int m = -(v > 0.0f);
					o[c0 + c] = v > 0.0f ? v : 0.0f;
					a[c0 + c] = (arg[c] & m) | ~m;   /* -1 where cut off */
				}
			}
		}
}

void maxpool_backward(float *dinp, float *db, const float *dout, const int *argmax,
                      const int *seq, int n, int T, int Si, int So, int off, int C, int p)
{
	int U = T / p;

	for (int i = 0; i < n; i++) {
		int si = seq ? seq[i] : i;
		for (int u = 0; u < U; u++) {
			const float *g = dout + ((size_t)i * So + off + u) * C;
			const int *a = argmax + ((size_t)si * U + u) * C;
			float *d = dinp + (size_t)i * Si * C;
			for (int c = 0; c < C; c++)
				if (a[c] >= 0) {
					d[(size_t)a[c] * C + c] += g[c];
					if (db != NULL)
						db[c] += g[c];
				}
		}
	}
}

/* The sparse backward's one kernel, a gathered GEMV:
 *   y[0..len) += sum_j g[j] * x[off[j] .. off[j] + len)
 * y is held in registers a block of QB floats at a time while every term
 * streams past, so y is read and written once per call instead of once per
 * term (the rank-1 update per winner this replaces was memory-bound: 23% of
 * a step).  GCC's vector extensions, compiled three times: for AVX-512
 * (16-float vectors first), for AVX2+FMA and for the baseline;
 * gather_gemv() picks one on first use. */
typedef float v8f __attribute__((vector_size(32), aligned(4), may_alias));
enum { QB = 64 };   /* 8 accumulators of 8 floats */

/* The same in blocks of 128 floats of 16-float vectors first (AVX-512: 8
 * accumulators of 16 floats), each float summed in the same order, so all
 * variants give the same bits (no contraction to FMA under -std=c11). */
typedef float v16f __attribute__((vector_size(64), aligned(4), may_alias));
#define GATHER_GEMV_16                                                                \
	for (; q + 2 * QB <= len; q += 2 * QB) {                                      \
		v16f a0 = *(v16f *)(y + q), a1 = *(v16f *)(y + q + 16);               \
		v16f a2 = *(v16f *)(y + q + 32), a3 = *(v16f *)(y + q + 48);          \
		v16f a4 = *(v16f *)(y + q + 64), a5 = *(v16f *)(y + q + 80);          \
		v16f a6 = *(v16f *)(y + q + 96), a7 = *(v16f *)(y + q + 112);         \
		for (int j = 0; j < m; j++) {                                         \
			const float *xj = x + off[j] + q;                             \
			float s = g[j];                                               \
			a0 += s * *(const v16f *)xj, a1 += s * *(const v16f *)(xj + 16); \
			a2 += s * *(const v16f *)(xj + 32), a3 += s * *(const v16f *)(xj + 48); \
			a4 += s * *(const v16f *)(xj + 64), a5 += s * *(const v16f *)(xj + 80); \
			a6 += s * *(const v16f *)(xj + 96), a7 += s * *(const v16f *)(xj + 112); \
		}                                                                     \
		*(v16f *)(y + q) = a0, *(v16f *)(y + q + 16) = a1;                    \
		*(v16f *)(y + q + 32) = a2, *(v16f *)(y + q + 48) = a3;               \
		*(v16f *)(y + q + 64) = a4, *(v16f *)(y + q + 80) = a5;               \
		*(v16f *)(y + q + 96) = a6, *(v16f *)(y + q + 112) = a7;              \
	}

#define GATHER_GEMV_BODY                                                              \
	for (; q + QB <= len; q += QB) {                                              \
		v8f a0 = *(v8f *)(y + q), a1 = *(v8f *)(y + q + 8);                   \
		v8f a2 = *(v8f *)(y + q + 16), a3 = *(v8f *)(y + q + 24);             \
		v8f a4 = *(v8f *)(y + q + 32), a5 = *(v8f *)(y + q + 40);             \
		v8f a6 = *(v8f *)(y + q + 48), a7 = *(v8f *)(y + q + 56);             \
		for (int j = 0; j < m; j++) {                                         \
			const float *xj = x + off[j] + q;                             \
			float s = g[j];                                               \
			a0 += s * *(const v8f *)xj, a1 += s * *(const v8f *)(xj + 8);   \
			a2 += s * *(const v8f *)(xj + 16), a3 += s * *(const v8f *)(xj + 24); \
			a4 += s * *(const v8f *)(xj + 32), a5 += s * *(const v8f *)(xj + 40); \
			a6 += s * *(const v8f *)(xj + 48), a7 += s * *(const v8f *)(xj + 56); \
		}                                                                     \
		*(v8f *)(y + q) = a0, *(v8f *)(y + q + 8) = a1;                       \
		*(v8f *)(y + q + 16) = a2, *(v8f *)(y + q + 24) = a3;                 \
		*(v8f *)(y + q + 32) = a4, *(v8f *)(y + q + 40) = a5;                 \
		*(v8f *)(y + q + 48) = a6, *(v8f *)(y + q + 56) = a7;                 \
	}                                                                             \
	for (; q + 8 <= len; q += 8) {                                                \
		v8f a = *(v8f *)(y + q);                                              \
		for (int j = 0; j < m; j++)                                           \
			a += g[j] * *(const v8f *)(x + off[j] + q);                   \
		*(v8f *)(y + q) = a;                                                  \
	}                                                                             \
	for (; q < len; q++) {                                                        \
		float a = y[q];                                                       \
		for (int j = 0; j < m; j++)                                           \
			a += g[j] * x[off[j] + q];                                    \
		y[q] = a;                                                             \
	}

__attribute__((target("avx512f,avx2,fma"), OPT_O3))
static void gather_gemv_avx512(float *restrict y, const float *restrict x, const int *off,
                               const float *g, int m, int len)
{
	int q = 0;
	GATHER_GEMV_16
	GATHER_GEMV_BODY
}

__attribute__((target("avx2,fma"), OPT_O3))
static void gather_gemv_avx2(float *restrict y, const float *restrict x, const int *off,
                             const float *g, int m, int len)
{
	int q = 0;
	GATHER_GEMV_BODY
}

__attribute__((OPT_O3))
static void gather_gemv_base(float *restrict y, const float *restrict x, const int *off,
                             const float *g, int m, int len)
{
	int q = 0;
	GATHER_GEMV_BODY
}

static void gather_gemv(float *restrict y, const float *restrict x, const int *off,
                        const float *g, int m, int len)
{
	/* 2: AVX-512, 1: AVX2+FMA, 0: baseline; DCUE_GEMV_ISA (avx2, base) caps it
	 * to compare.  A benign race: every thread computes the same. */
	static int isa = -1;

	if (isa < 0) {
		const char *cap = getenv("DCUE_GEMV_ISA");
		int v = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
		if (v && __builtin_cpu_supports("avx512f"))
			v = 2;
		if (cap != NULL && strcmp(cap, "avx2") == 0 && v > 1)
			v = 1;
		else if (cap != NULL && strcmp(cap, "base") == 0)
			v = 0;
		isa = v;
	}
	if (m <= 0)
		return;
	if (isa == 2)
		gather_gemv_avx512(y, x, off, g, m, len);
	else if (isa == 1)
		gather_gemv_avx2(y, x, off, g, m, len);
	else
		gather_gemv_base(y, x, off, g, m, len);
}

/* Pooled rows per chunk of the weight gradient: each channel's terms of a
 * chunk are summed in one gather_gemv; enough rows that a weight-gradient
 * row is loaded and stored once per few dozen terms, few enough that the
 * chunk's input windows stay in L2. */
enum { SPARSE_ROWS = 256 };

static int sparse_chunk(int U)
{
	return U >= SPARSE_ROWS ? 1 : SPARSE_ROWS / U;
}

/* Per thread: a chunk's terms grouped by channel (off, g: rows*Co each, a
 * channel's at most rows from c*rows; start: Co counts) and one pooled
 * row's terms grouped by winning row (offp, gp: p*Co, cntp: p). */
struct sparse_lists {
	int *off, *start, *offp, *cntp;
	float *g, *gp;
};

static size_t lists_bytes(int U, int Co, int p)
{
	size_t rows = (size_t)sparse_chunk(U) * U, co = (size_t)Co;
	return (2 * rows * co + co + 1 + 2 * (size_t)p * co + (size_t)p) * 4 + 64;
}

static struct sparse_lists lists_at(void *mem, int U, int Co, int p)
{
	size_t rows = (size_t)sparse_chunk(U) * U, co = (size_t)Co;
	struct sparse_lists L;
	L.off = mem;
	L.g = (float *)(L.off + rows * co);
	L.offp = (int *)(L.g + rows * co);
	L.gp = (float *)(L.offp + (size_t)p * co);
	L.cntp = (int *)(L.gp + (size_t)p * co);
	L.start = L.cntp + p;
	return L;
}

size_t conv1d_pool_backward_sparse_scratch(int T, int Ci, int Co, int k, int p)
{
	size_t sums = ((size_t)Co * k * Ci + Co) * sizeof(float);   /* the second thread's */
	return sums + 2 * lists_bytes(T / p, Co, p) + 64;
}

struct sparse_job {
	float *dinp, *dwt, *db;
	const float *dpool, *inp, *wt;
	const int *argmax, *seq;
	struct sparse_lists L;
	int i0, i1, T, So, off, Ci, Co, k, p;
};

/* h[t][c] = b[c] + sum_q inp[t..t+k)[q] w[q][c] for the tracks [i0, i1):
 * dwt[c] += g * (the winner's input window) summed per channel over a
 * chunk; dinp[window] += g * wt[c] summed per winning row. */
static void *sparse_run(void *arg)
{
	const struct sparse_job *j = arg;
	const struct sparse_lists *L = &j->L;
	int U = j->T / j->p, S = j->T + j->k - 1, kc = j->k * j->Ci, Co = j->Co, p = j->p;
	int per = sparse_chunk(U);

	for (int c0 = j->i0; c0 < j->i1; c0 += per) {
		int c1 = j->i1 - c0 < per ? j->i1 : c0 + per;
		const float *base = j->inp + (size_t)c0 * S * j->Ci;
		/* channel c's terms at c*cap.., cnt[c] of them */
		size_t cap = (size_t)(c1 - c0) * U;
		memset(L->start, 0, (size_t)Co * sizeof(int));
		for (int i = c0; i < c1; i++) {
			int si = j->seq ? j->seq[i] : i;
			for (int u = 0; u < U; u++) {
				const float *g = j->dpool + ((size_t)i * j->So + j->off + u) * Co;
				const int *a = j->argmax + ((size_t)si * U + u) * Co;
				float *dw = j->dinp ? j->dinp + (size_t)i * S * j->Ci : NULL;
				memset(L->cntp, 0, (size_t)p * sizeof(int));
				for (int c = 0; c < Co; c++) {
					if (a[c] < 0 || g[c] == 0.0f)
						continue;
					size_t q = c * cap + (size_t)L->start[c]++;
					int r = a[c] - u * p;
					L->off[q] = ((i - c0) * S + a[c]) * j->Ci;
					L->g[q] = g[c];
					j->db[c] += g[c];
					q = (size_t)r * Co + (size_t)L->cntp[r]++;
					L->offp[q] = c * kc;
					L->gp[q] = g[c];
				}
				if (dw != NULL)
					for (int r = 0; r < p; r++)
						gather_gemv(dw + (size_t)(u * p + r) * j->Ci, j->wt, L->offp + r * Co,
						            L->gp + r * Co, L->cntp[r], kc);
			}
		}
		for (int c = 0; c < Co; c++)
			gather_gemv(j->dwt + (size_t)c * kc, base, L->off + c * cap, L->g + c * cap,
			            L->start[c], kc);
	}
	return NULL;
}

void conv1d_pool_backward_sparse(float *dinp, float *dwt, float *db, const float *dpool,
                                 const int *argmax, const int *seq, const float *inp,
                                 const float *wt, void *scratch, int threads, int n, int T,
                                 int So, int off, int Ci, int Co, int k, int p)
{
	struct sparse_job job[2];
	pthread_t tid;
	size_t kc = (size_t)k * Ci, lb = lists_bytes(T / p, Co, p);
	float *sums = scratch;
	char *lmem = (char *)scratch + ((size_t)Co * kc + Co) * sizeof(float);
	int split = threads > 1 && n > 1;

	/* lists 64-byte aligned after the sums */
	lmem += (64 - (uintptr_t)lmem % 64) % 64;
	for (int t = 0; t < 2; t++)
		job[t] = (struct sparse_job){ dinp, dwt, db, dpool, inp, wt, argmax, seq,
		                              lists_at(lmem + t * lb, T / p, Co, p), 0, n, T, So,
		                              off, Ci, Co, k, p };
	if (split) {
		/* the second half of the tracks on another thread, with its own
		 * weight-gradient sums; input-gradient windows are per track */
		job[0].i1 = job[1].i0 = n / 2;
		job[1].dwt = sums;
		job[1].db = sums + (size_t)Co * kc;
		memset(sums, 0, (size_t)Co * (kc + 1) * sizeof(float));
		if (pthread_create(&tid, NULL, sparse_run, &job[1]) != 0) {
			job[0].i1 = n;          /* no thread: do it all here */
			split = 0;
		}
	}
	sparse_run(&job[0]);
	if (split) {
		pthread_join(tid, NULL);
		for (size_t q = 0; q < (size_t)Co * kc; q++)
			dwt[q] += sums[q];
		for (int c = 0; c < Co; c++)
			db[c] += sums[(size_t)Co * kc + c];
	}
}

double pool_density(const float *dpool, const int *argmax, const int *seq, int n, int U,
                    int So, int off, int C)
{
	size_t nz = 0;

	for (int i = 0; i < n; i++) {
		int si = seq ? seq[i] : i;
		for (int u = 0; u < U; u++) {
			const float *g = dpool + ((size_t)i * So + off + u) * C;
			const int *a = argmax + ((size_t)si * U + u) * C;
			for (int c = 0; c < C; c++)
				nz += a[c] >= 0 && g[c] != 0.0f;
		}
	}
	return n > 0 && U > 0 ? (double)nz / ((double)n * U * C) : 0;
}

void mean_forward(float *out, const float *inp, int n, int T, int S, int C)
{
	for (int i = 0; i < n; i++) {
		float *o = out + (size_t)i * C;
		memset(o, 0, (size_t)C * sizeof(float));
		for (int t = 0; t < T; t++)
			for (int c = 0; c < C; c++)
				o[c] += inp[((size_t)i * S + t) * C + c];
		for (int c = 0; c < C; c++)
			o[c] /= (float)T;
	}
}

void mean_backward(float *dinp, const float *dout, int n, int T, int S, int C)
{
	for (int i = 0; i < n; i++)
		for (int t = 0; t < T; t++)
			for (int c = 0; c < C; c++)
				dinp[((size_t)i * S + t) * C + c] += dout[(size_t)i * C + c] / (float)T;
}

void dense_forward(float *out, const float *inp, const float *w, const float *b, int n, int In,
                   int Out)
{
	for (int i = 0; i < n; i++)
		memcpy(out + (size_t)i * Out, b, (size_t)Out * sizeof(float));
	sgemm_rm(0, 0, n, Out, In, 1.0f, inp, In, w, Out, 1.0f, out, Out);
}

void dense_backward(float *dinp, float *dw, float *db, const float *dout, const float *inp,
                    const float *w, int n, int In, int Out)
{
	/* out = inp · w + b */
	sgemm_rm(1, 0, In, Out, n, 1.0f, inp, In, dout, Out, 1.0f, dw, Out);
	for (int i = 0; i < n; i++)
		for (int o = 0; o < Out; o++)
			db[o] += dout[(size_t)i * Out + o];
	if (dinp != NULL)
		sgemm_rm(0, 1, n, In, Out, 1.0f, dout, Out, w, Out, 1.0f, dinp, In);
}

void embedding_forward(float *out, const int *idx, const float *table, int n, int D)
{
	for (int i = 0; i < n; i++)
		memcpy(out + (size_t)i * D, table + (size_t)idx[i] * D, (size_t)D * sizeof(float));
}

void embedding_backward(float *dtable, const float *dout, const int *idx, int n, int D)
{
	for (int i = 0; i < n; i++)
		for (int d = 0; d < D; d++)
			dtable[(size_t)idx[i] * D + d] += dout[(size_t)i * D + d];
}

void relu_forward(float *out, const float *inp, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = inp[i] > 0.0f ? inp[i] : 0.0f;
}

void relu_backward(float *dinp, const float *dout, const float *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (out[i] > 0.0f)
			dinp[i] += dout[i];
}
