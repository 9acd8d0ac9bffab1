/* gemm.h — the one single-precision GEMM of dcue-train (row-major), on
 * oneDNN's sgemm or OpenBLAS's cblas_sgemm.
 *
 * oneDNN (Debian's libdnnl, the library PyTorch's convolutions run on)
 * generates its kernels for the CPU it finds (AVX-512 where there is one),
 * whatever OPENBLAS_CORETYPE says; OpenBLAS stays the BLAS for everything
 * else (GEMV, dot products, threads).  DCUE_GEMM=openblas selects OpenBLAS
 * for the GEMMs too (benchmarks, or a CPU where oneDNN is slower).
 *
 * Threads: a GEMM runs on as many threads as OpenBLAS is set to
 * (openblas_get_num_threads(), which dcue-train sets to 1 inside its
 * replicas and embedding workers), so both back-ends follow the same
 * policy.  Results depend on the back-end and the thread count, not on the
 * run: the same back-end and threads give the same bits. */
#ifndef DCUE_GEMM_H
#define DCUE_GEMM_H

/* C [M][N] = alpha · op(A) · op(B) + beta · C, op(X) = X or Xᵀ (ta, tb),
 * A [M][K] (lda) or [K][M] if ta, B [K][N] (ldb) or [N][K] if tb,
 * C [M][N] (ldc).  Nothing is done when M, N or K is 0. */
void sgemm_rm(int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda,
              const float *B, int ldb, float beta, float *C, int ldc);

/* "onednn" or "openblas": the back-end sgemm_rm uses (DCUE_GEMM read on
 * first use; an unknown value is an error on stderr and exit 2). */
const char *gemm_backend(void);

/* The back-end and its kernel, for benchmarks and logs: "oneDNN sgemm,
 * ISA avx512_core_bf16" or "OpenBLAS cblas_sgemm, kernel Haswell". */
const char *gemm_describe(void);

#endif
