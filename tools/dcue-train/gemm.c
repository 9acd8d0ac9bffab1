/* gemm.c — see gemm.h. */
#include "gemm.h"
#include "msg.h"

#include <cblas.h>
#include <dnnl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The OpenMP runtime's calls (libgomp, the one libdnnl runs on), declared
 * here: <omp.h> is gcc's, and clang (the fuzz builds) finds its own only
 * with LLVM's OpenMP package installed. */
int omp_get_max_threads(void);
void omp_set_num_threads(int n);
void omp_set_dynamic(int on);

enum { GEMM_ONEDNN, GEMM_OPENBLAS, GEMM_UNKNOWN };
static int backend;
static pthread_once_t backend_once = PTHREAD_ONCE_INIT;

static void backend_init(void)
{
	const char *e = getenv("DCUE_GEMM");
	if (e == NULL || *e == '\0' || strcmp(e, "onednn") == 0)
		backend = GEMM_ONEDNN;
	else if (strcmp(e, "openblas") == 0)
		backend = GEMM_OPENBLAS;
	else
		backend = GEMM_UNKNOWN;
}

const char *gemm_backend(void)
{
	pthread_once(&backend_once, backend_init);
	return backend == GEMM_ONEDNN ? "onednn" : backend == GEMM_OPENBLAS ? "openblas" : NULL;
}

const char *gemm_describe(void)
{
	static const struct { dnnl_cpu_isa_t isa; const char *name; } isas[] = {
		{ dnnl_cpu_isa_sse41, "sse41" }, { dnnl_cpu_isa_avx, "avx" },
		{ dnnl_cpu_isa_avx2, "avx2" }, { dnnl_cpu_isa_avx2_vnni, "avx2_vnni" },
		{ dnnl_cpu_isa_avx512_core, "avx512_core" },
		{ dnnl_cpu_isa_avx512_core_vnni, "avx512_core_vnni" },
		{ dnnl_cpu_isa_avx512_core_bf16, "avx512_core_bf16" },
		{ dnnl_cpu_isa_avx512_core_amx, "avx512_core_amx" },
	};
	static char buf[96];
	const char *b = gemm_backend();

	if (b == NULL)
		return "none (DCUE_GEMM unknown)";
	if (strcmp(b, "openblas") == 0) {
		snprintf(buf, sizeof buf, "OpenBLAS cblas_sgemm, kernel %s", openblas_get_corename());
		return buf;
	}
	dnnl_cpu_isa_t isa = dnnl_get_effective_cpu_isa();
	const char *name = "other";
	for (size_t i = 0; i < sizeof isas / sizeof isas[0]; i++)
		if (isas[i].isa == isa)
			name = isas[i].name;
	snprintf(buf, sizeof buf, "oneDNN sgemm, ISA %s", name);
	return buf;
}

void sgemm_rm(int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda,
              const float *B, int ldb, float beta, float *C, int ldc)
{
	if (M <= 0 || N <= 0 || K <= 0)
		return;
	pthread_once(&backend_once, backend_init);
	if (backend == GEMM_OPENBLAS) {
		cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans,
		            tb ? CblasTrans : CblasNoTrans, M, N, K, alpha, A, lda, B, ldb, beta, C,
		            ldc);
		return;
	}
	if (backend != GEMM_ONEDNN) {
		fprintf(stderr, "%s: sgemm_rm: DCUE_GEMM is neither onednn nor openblas\n", msg_prog);
		abort();
	}
	/* oneDNN runs on OpenMP threads: as many as OpenBLAS would use, exactly
	 * (no dynamic adjustment, so the split and the bits do not vary), set
	 * per calling thread (an OpenMP setting belongs to the thread making it) */
	int threads = openblas_get_num_threads();
	if (omp_get_max_threads() != threads) {
		omp_set_dynamic(0);
		omp_set_num_threads(threads);
	}
	dnnl_status_t st = dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', M, N, K, alpha, A, lda, B,
	                              ldb, beta, C, ldc);
	if (st == dnnl_out_of_memory)
		diex(EXIT_WORK, "out of memory in a matrix product (oneDNN sgemm, M %d N %d K %d)",
		    M, N, K);
	if (st != dnnl_success) {
		fprintf(stderr, "%s: oneDNN sgemm refused %c%c M %d N %d K %d (lda %d ldb %d ldc %d): status %d\n",
		        msg_prog, ta ? 'T' : 'N', tb ? 'T' : 'N', M, N, K, lda, ldb, ldc, (int)st);
		abort();
	}
}
