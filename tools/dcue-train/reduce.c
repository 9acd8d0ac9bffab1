/* reduce.c — see reduce.h. */
#include "reduce.h"
#include "dist.h"

void reduce_replicas(float *const *blk, const float *w, int nblk, size_t lo, size_t hi)
{
	float *dst = blk[0];
	float w0 = w[0];

	if (nblk == 1 && w0 == 1.0f)
		return;
	for (size_t i = lo; i < hi; i++)
		dst[i] *= w0;
	for (int t = 1; t < nblk; t++) {
		const float *src = blk[t];
		float wt = w[t];
		for (size_t i = lo; i < hi; i++)
			dst[i] += wt * src[i];
	}
}

void reduce_slice(size_t n, int i, int nthreads, size_t *lo, size_t *hi)
{
	size_t per = (n + (size_t)nthreads - 1) / (size_t)nthreads;

	per = (per + 15) & ~(size_t)15;     /* 64-byte pieces: no false sharing */
	*lo = (size_t)i * per < n ? (size_t)i * per : n;
	*hi = *lo + per < n ? *lo + per : n;
}

void reduce_ranks(float *buf, size_t n)
{
	dist_sum_floats(buf, n);
}
