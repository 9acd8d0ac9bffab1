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
 * policy.  Results depend on the back-end, the thread count and the CPU,
 * not on the run: the same back-end, threads and CPU give the same bits.
 * oneDNN generates a kernel on its first use in a process (~50 ms). */
#ifndef DCUE_GEMM_H
#define DCUE_GEMM_H

/* C [M][N] = alpha · op(A) · op(B) + beta · C, op(X) = X or Xᵀ (ta, tb),
 * A [M][K] (lda) or [K][M] if ta, B [K][N] (ldb) or [N][K] if tb,
 * C [M][N] (ldc); with beta 0, C is not read.  Nothing is done when M, N or
 * K is 0.  Dies (exit 1) when oneDNN runs out of memory for its packing
 * buffers; aborts on arguments it refuses (a bug of the caller). */
void sgemm_rm(int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda,
              const float *B, int ldb, float beta, float *C, int ldc);

/* "onednn" or "openblas": the back-end sgemm_rm uses, from the environment
 * variable DCUE_GEMM (unset or empty: onednn), read once; NULL when
 * DCUE_GEMM holds anything else (dcue-train's main() refuses that at start,
 * exit 2; sgemm_rm would abort). */
const char *gemm_backend(void);

/* The back-end and the instruction set it may use, for benchmarks and logs:
 * "oneDNN sgemm, ISA avx512_core_bf16" or "OpenBLAS cblas_sgemm, kernel
 * Haswell".  Not thread-safe (one static buffer). */
const char *gemm_describe(void);

#endif
