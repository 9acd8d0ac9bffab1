/* loss.c — see loss.h. */
#include "loss.h"

#include <math.h>
#include <string.h>

static float norm(const float *x, int E)
{
	double ss = 0;

	for (int e = 0; e < E; e++)
		ss += (double)x[e] * x[e];
	return (float)sqrt(ss);
}

static float dot(const float *x, const float *y, int E)
{
	float d = 0;

	for (int e = 0; e < E; e++)
		d += x[e] * y[e];
	return d;
}

void cosine_forward(float *s, const float *u, const float *v, int B, int K, int E)
{
	for (int b = 0; b < B; b++) {
		const float *ub = u + (size_t)b * E;
		float nu = fmaxf(norm(ub, E), COSINE_EPS);
		for (int j = 0; j < K; j++) {
			const float *vj = v + ((size_t)b * K + j) * E;
			float nv = fmaxf(norm(vj, E), COSINE_EPS);
			s[b * K + j] = dot(ub, vj, E) / (nu * nv);
		}
	}
}

void cosine_backward(float *du, float *dv, const float *ds, const float *u, const float *v,
                     int B, int K, int E)
{
	for (int b = 0; b < B; b++) {
		const float *ub = u + (size_t)b * E;
		float rnu = norm(ub, E);
		float nu = fmaxf(rnu, COSINE_EPS);
		for (int j = 0; j < K; j++) {
			float g = ds[b * K + j];
			if (g == 0.0f)
				continue;
			const float *vj = v + ((size_t)b * K + j) * E;
			float rnv = norm(vj, E), nv = fmaxf(rnv, COSINE_EPS);
			float d = dot(ub, vj, E);
			/* s = d / (nu nv); a clamped norm is a constant */
			float cu = rnu > COSINE_EPS ? d / (nu * nu * nu * nv) : 0.0f;
			float cv = rnv > COSINE_EPS ? d / (nu * nv * nv * nv) : 0.0f;
			float *dvj = dv + ((size_t)b * K + j) * E;
			float *dub = du + (size_t)b * E;
			for (int e = 0; e < E; e++) {
				dub[e] += g * (vj[e] / (nu * nv) - cu * ub[e]);
				dvj[e] += g * (ub[e] / (nu * nv) - cv * vj[e]);
			}
		}
	}
}

void loss_forward_backward(struct loss_stats *st, float *ds, const float *s, int B, int K,
                           enum criterion crit, float margin)
{
	double total = 0;

	memset(st, 0, sizeof *st);
	memset(ds, 0, (size_t)B * K * sizeof(float));
	for (int b = 0; b < B; b++) {
		const float *sb = s + (size_t)b * K;
		float *db = ds + (size_t)b * K;
		int best = 1;
		for (int j = 1; j < K; j++)
			if (sb[j] > sb[0])
				best = 0;
		st->correct += best;
		if (crit == CRIT_MULTI_MARGIN) {
			/* PyTorch MultiMarginLoss (p = 1): sum_{j != y} max(0, margin - s_y + s_j) / K */
			double l = 0;
			for (int j = 1; j < K; j++) {
				float h = margin - sb[0] + sb[j];
				if (h > 0.0f) {
					l += h;
					db[j] = 1.0f / ((float)K * (float)B);
					db[0] -= 1.0f / ((float)K * (float)B);
					st->active++;
				}
			}
			total += l / K;
		} else {
			float mx = sb[0];
			for (int j = 1; j < K; j++)
				mx = fmaxf(mx, sb[j]);
			double z = 0;
			for (int j = 0; j < K; j++)
				z += exp((double)(sb[j] - mx));
			total += -(double)(sb[0] - mx) + log(z);
			for (int j = 0; j < K; j++)
				db[j] = (float)(exp((double)(sb[j] - mx)) / z) / (float)B;
			db[0] -= 1.0f / (float)B;
			st->active += K - 1;
		}
	}
	st->loss = total / B;
}
