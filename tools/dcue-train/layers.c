/* layers.c — see layers.h.  GEMMs go through OpenBLAS (row-major cblas).
 *
 * The convolution is a GEMM on the input read with overlapping rows, but
 * BLAS refuses lda < K, so the rows are split by residue modulo k: rows
 * r = j, j+k, j+2k, ... start k*Ci floats apart, a legal lda, and their
 * windows do not overlap.  k GEMMs of depth k*Ci then cover every row with
 * no copy; the same split makes the input gradient k plain GEMMs writing
 * disjoint windows (beta = 1). */
#include "layers.h"

#include <cblas.h>
#include <pthread.h>
#include <string.h>

static void gemm(int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda,
                 const float *B, int ldb, float beta, float *C, int ldc)
{
	if (M <= 0 || N <= 0 || K <= 0)
		return;
	cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
	            M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

void conv1d_forward(float *out, const float *inp, const float *w, const float *b,
                    int n, int T, int Ci, int Co, int k)
{
	int S = T + k - 1, rows = n * S - (k - 1);

	/* out[r] = inp[r .. r+k) (k*Ci floats) · w */
	for (int j = 0; j < k && j < rows; j++) {
		int m = (rows - j + k - 1) / k;
		gemm(0, 0, m, Co, k * Ci, 1.0f, inp + (size_t)j * Ci, k * Ci, w, Co, 0.0f,
		     out + (size_t)j * Co, k * Co);
	}
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
		gemm(1, 0, k * Ci, Co, m, 1.0f, inp + (size_t)j * Ci, k * Ci, dout + (size_t)j * Co,
		     k * Co, 1.0f, dw, Co);
		/* the windows of rows j, j+k, ... are disjoint: dinp += dout_j · w^T */
		if (dinp != NULL)
			gemm(0, 1, m, k * Ci, Co, 1.0f, dout + (size_t)j * Co, k * Co, w, Co, 1.0f,
			     dinp + (size_t)j * Ci, k * Ci);
	}
	if (db != NULL)
		for (int i = 0; i < n; i++)
			for (int t = 0; t < T; t++)
				for (int c = 0; c < Co; c++)
					db[c] += dout[((size_t)i * S + t) * Co + c];
}

/* -O2's cheap vectoriser cost model leaves these loops scalar; at 8% of a
 * training step, they are worth -O3's. */
__attribute__((optimize("O3")))
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

/* y += a*x over n floats, compiled twice: for AVX2+FMA and for the
 * baseline; axpy() picks one on first use. */
__attribute__((target("avx2,fma"), optimize("O3")))
static void axpy_avx2(float *restrict y, float a, const float *restrict x, int n)
{
	for (int i = 0; i < n; i++)
		y[i] += a * x[i];
}

__attribute__((optimize("O3")))
static void axpy_base(float *restrict y, float a, const float *restrict x, int n)
{
	for (int i = 0; i < n; i++)
		y[i] += a * x[i];
}

static void axpy(float *restrict y, float a, const float *restrict x, int n)
{
	static int avx2 = -1;   /* a benign race: every thread computes the same */

	if (avx2 < 0)
		avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
	if (avx2)
		axpy_avx2(y, a, x, n);
	else
		axpy_base(y, a, x, n);
}

struct sparse_job {
	float *dinp, *dwt, *db;
	const float *dpool, *inp, *wt;
	const int *argmax, *seq;
	int i0, i1, T, So, off, Ci, Co, k, p;
};

static void *sparse_run(void *arg)
{
	const struct sparse_job *j = arg;
	int U = j->T / j->p, S = j->T + j->k - 1, kc = j->k * j->Ci;

	for (int i = j->i0; i < j->i1; i++) {
		int si = j->seq ? j->seq[i] : i;
		for (int u = 0; u < U; u++) {
			const float *g = j->dpool + ((size_t)i * j->So + j->off + u) * j->Co;
			const int *a = j->argmax + ((size_t)si * U + u) * j->Co;
			for (int c = 0; c < j->Co; c++) {
				if (a[c] < 0 || g[c] == 0.0f)
					continue;
				size_t w = ((size_t)i * S + (size_t)a[c]) * j->Ci;   /* the window */
				j->db[c] += g[c];
				/* h[t][c] = b[c] + sum_q inp[t..t+k)[q] w[q][c] */
				axpy(j->dwt + (size_t)c * kc, g[c], j->inp + w, kc);
				if (j->dinp != NULL)
					axpy(j->dinp + w, g[c], j->wt + (size_t)c * kc, kc);
			}
		}
	}
	return NULL;
}

void conv1d_pool_backward_sparse(float *dinp, float *dwt, float *db, const float *dpool,
                                 const int *argmax, const int *seq, const float *inp,
                                 const float *wt, float *scratch, int threads, int n, int T,
                                 int So, int off, int Ci, int Co, int k, int p)
{
	struct sparse_job job[2];
	pthread_t tid;
	size_t kc = (size_t)k * Ci;
	int split = threads > 1 && n > 1;

	for (int t = 0; t < 2; t++)
		job[t] = (struct sparse_job){ dinp, dwt, db, dpool, inp, wt, argmax, seq, 0, n, T, So,
		                              off, Ci, Co, k, p };
	if (split) {
		/* the second half of the tracks on another thread, with its own
		 * weight-gradient sums; input-gradient windows are per track */
		job[0].i1 = job[1].i0 = n / 2;
		job[1].dwt = scratch;
		job[1].db = scratch + (size_t)Co * kc;
		memset(scratch, 0, (size_t)Co * (kc + 1) * sizeof(float));
		if (pthread_create(&tid, NULL, sparse_run, &job[1]) != 0) {
			job[0].i1 = n;          /* no thread: do it all here */
			split = 0;
		}
	}
	sparse_run(&job[0]);
	if (split) {
		pthread_join(tid, NULL);
		for (size_t q = 0; q < (size_t)Co * kc; q++)
			dwt[q] += scratch[q];
		for (int c = 0; c < Co; c++)
			db[c] += scratch[(size_t)Co * kc + c];
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
	gemm(0, 0, n, Out, In, 1.0f, inp, In, w, Out, 1.0f, out, Out);
}

void dense_backward(float *dinp, float *dw, float *db, const float *dout, const float *inp,
                    const float *w, int n, int In, int Out)
{
	/* out = inp · w + b */
	gemm(1, 0, In, Out, n, 1.0f, inp, In, dout, Out, 1.0f, dw, Out);
	for (int i = 0; i < n; i++)
		for (int o = 0; o < Out; o++)
			db[o] += dout[(size_t)i * Out + o];
	if (dinp != NULL)
		gemm(0, 1, n, In, Out, 1.0f, dout, Out, w, Out, 1.0f, dinp, In);
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
