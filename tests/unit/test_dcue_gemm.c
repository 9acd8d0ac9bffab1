/* test_dcue_gemm.c — dcue-train's GEMM (tools/dcue-train/gemm.h) on each
 * back-end against a plain triple loop in double: every transpose pair,
 * leading dimensions larger than the rows, beta 0 and 1, one and two
 * threads (with a convolution-sized product, large enough to be split
 * between them); the same call twice gives the same bits; with beta 0 C is
 * not read (NaN there stays out of the result); DCUE_GEMM picks the back-end
 * and an unknown value is reported as none.  Each back-end runs in a child
 * process (DCUE_GEMM is read once per process). */
#define _GNU_SOURCE
#include "check.h"

#include "../../tools/dcue-train/gemm.h"
#include "rng.h"

#include <cblas.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

/* C [M][N] (ldc) = alpha · op(A) · op(B) + beta · C, in double */
static void ref_gemm(int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda,
                     const float *B, int ldb, float beta, double *C, int ldc)
{
	for (int i = 0; i < M; i++)
		for (int j = 0; j < N; j++) {
			double s = 0;
			for (int p = 0; p < K; p++)
				s += (double)(ta ? A[(size_t)p * lda + i] : A[(size_t)i * lda + p]) *
				     (tb ? B[(size_t)j * ldb + p] : B[(size_t)p * ldb + j]);
			C[(size_t)i * ldc + j] = alpha * s + beta * C[(size_t)i * ldc + j];
		}
}

static void fill(float *x, size_t n, struct rng *r)
{
	for (size_t i = 0; i < n; i++)
		x[i] = rng_float(r) * 2.0f - 1.0f;
}

/* one shape, every transpose pair and beta, against the reference */
static void check_shape(int M, int N, int K, struct rng *r)
{
	int pad = 3;
	for (int ta = 0; ta < 2; ta++)
		for (int tb = 0; tb < 2; tb++)
			for (int beta = 0; beta < 2; beta++) {
				int lda = (ta ? M : K) + pad, ldb = (tb ? K : N) + pad, ldc = N + pad;
				size_t na = (size_t)(ta ? K : M) * lda, nb = (size_t)(tb ? N : K) * ldb;
				size_t nc = (size_t)M * ldc;
				float *A = malloc(na * 4), *B = malloc(nb * 4), *C = malloc(nc * 4);
				float *C2 = malloc(nc * 4);
				double *R = malloc(nc * 8);
				fill(A, na, r);
				fill(B, nb, r);
				fill(C, nc, r);
				if (beta == 0)   /* not to be read: NaN must not reach the result */
					for (int i = 0; i < M; i++)
						for (int j = 0; j < N; j++)
							C[(size_t)i * ldc + j] = NAN;
				memcpy(C2, C, nc * 4);
				for (size_t i = 0; i < nc; i++)   /* beta 0: the NaN cells count as 0 */
					R[i] = beta == 0 && i % ldc < (size_t)N ? 0 : C[i];
				sgemm_rm(ta, tb, M, N, K, 0.5f, A, lda, B, ldb, (float)beta, C, ldc);
				sgemm_rm(ta, tb, M, N, K, 0.5f, A, lda, B, ldb, (float)beta, C2, ldc);
				ref_gemm(ta, tb, M, N, K, 0.5f, A, lda, B, ldb, (float)beta, R, ldc);
				double worst = 0;
				int same = 1, pads_kept = 1;
				for (int i = 0; i < M; i++) {
					for (int j = 0; j < N; j++) {
						size_t at = (size_t)i * ldc + j;
						double d = fabs(C[at] - R[at]) / (1e-5 + 1e-5 * sqrt(K) + 1e-5 * fabs(R[at]));
						worst = d > worst ? d : worst;
						same &= memcmp(&C[at], &C2[at], 4) == 0;
					}
					for (int j = N; j < ldc; j++)   /* beyond N: never written */
						pads_kept &= C[(size_t)i * ldc + j] == (float)R[(size_t)i * ldc + j];
				}
				if (!CHECK(worst <= 1.0))
					fprintf(stderr, "  %s M %d N %d K %d ta %d tb %d beta %d: error %.3g of tolerance\n",
					        gemm_backend(), M, N, K, ta, tb, beta, worst);
				CHECK(same);
				CHECK(pads_kept);
				free(A), free(B), free(C), free(C2), free(R);
			}
}

static int run_backend(const char *name)
{
	struct rng r;
	rng_seed(&r, 11);
	CHECK_EQ_STR(gemm_backend(), name);
	for (int threads = 1; threads <= 2; threads++) {
		openblas_set_num_threads(threads);
		check_shape(1, 1, 1, &r);
		check_shape(7, 5, 3, &r);
		check_shape(37, 64, 129, &r);
		check_shape(300, 33, 17, &r);
	}
	check_shape(2128, 128, 512, &r);   /* the first convolution's shape, 2 threads */
	/* an empty product leaves C alone */
	float c = 4.0f;
	sgemm_rm(0, 0, 1, 1, 0, 1.0f, NULL, 1, NULL, 1, 0.0f, &c, 1);
	CHECK(c == 4.0f);
	return check_done();
}

/* runs body in a child with DCUE_GEMM=value; returns its exit status */
static int child(const char *value, int (*body)(const char *))
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		if (value != NULL)
			setenv("DCUE_GEMM", value, 1);
		else
			unsetenv("DCUE_GEMM");
		int rc = body(value != NULL ? value : "onednn");
		fflush(NULL);
		_exit(rc);
	}
	int st = 0;
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static int unknown_backend(const char *name)
{
	(void)name;
	CHECK(gemm_backend() == NULL);
	CHECK_EQ_STR(gemm_describe(), "none (DCUE_GEMM unknown)");
	return check_done();
}

int main(void)
{
	CHECK_EQ_INT(child(NULL, run_backend), 0);   /* the default: oneDNN */
	CHECK_EQ_INT(child("onednn", run_backend), 0);
	CHECK_EQ_INT(child("openblas", run_backend), 0);
	CHECK_EQ_INT(child("mkl", unknown_backend), 0);
	return check_done();
}
