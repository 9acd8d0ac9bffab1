/* test_dcue_score.c — the RecSys Challenge 2018 metrics of dcue-train score
 * on hand-computed cases (each case's arithmetic is in its comment), and
 * the category of a challenge playlist. */
#include "check.h"

#include "../../tools/dcue-train/score.h"
#include "challenge.h"

#include <stdint.h>
#include <stdlib.h>

/* 1/log2(i + 2) for ranks i = 0, 1, 2, ... */
static double d(int i)
{
	return 1.0 / log2((double)i + 2.0);
}

int main(void)
{
	/* G = {1, 2, 3}; R = 9, 1, 8, 3, 7: R[0:3] = {9, 1, 8} holds 1 → 1/3.
	 * DCG = 1/log2(3) + 1/log2(5) (ranks 1 and 3); IDCG = 1 + 1/log2(3) + 1/log2(4).
	 * First hit at index 1 → clicks ⌊1/10⌋ = 0. */
	{
		int64_t g[] = { 1, 2, 3 }, r[] = { 9, 1, 8, 3, 7 };
		CHECK_CLOSE(score_rprecision(r, 5, g, 3), 1.0 / 3.0, 1e-12, 0);
		CHECK_CLOSE(score_ndcg(r, 5, g, 3), (d(1) + d(3)) / (d(0) + d(1) + d(2)), 1e-12, 0);
		CHECK_CLOSE(score_clicks(r, 5, g, 3), 0.0, 0, 0);
	}
	/* G = {5}; the hit at index 25 → clicks 2; DCG 1/log2(27), IDCG 1;
	 * R-precision looks at R[0:1] only → 0. */
	{
		int64_t g[] = { 5 }, r[30];
		for (int i = 0; i < 30; i++)
			r[i] = 100 + i;
		r[25] = 5;
		CHECK_CLOSE(score_rprecision(r, 30, g, 1), 0.0, 0, 0);
		CHECK_CLOSE(score_ndcg(r, 30, g, 1), d(25), 1e-12, 0);
		CHECK_CLOSE(score_clicks(r, 30, g, 1), 2.0, 0, 0);
	}
	/* no hit among 500 → clicks 51, NDCG 0, R-precision 0; a hit at 500
	 * (the 501st) is beyond the cap and does not count */
	{
		int64_t g[] = { 7 }, r[501];
		for (int i = 0; i < 501; i++)
			r[i] = 1000 + i;
		r[500] = 7;
		CHECK_CLOSE(score_clicks(r, 501, g, 1), 51.0, 0, 0);
		CHECK_CLOSE(score_ndcg(r, 501, g, 1), 0.0, 0, 0);
		CHECK_CLOSE(score_rprecision(r, 501, g, 1), 0.0, 0, 0);
		r[499] = 7;             /* index 499 → clicks 49 */
		CHECK_CLOSE(score_clicks(r, 501, g, 1), 49.0, 0, 0);
	}
	/* the held-out tracks first: every metric perfect */
	{
		int64_t g[] = { 2, 4, 6, 8 }, r[] = { 8, 2, 6, 4, 1, 3 };
		CHECK_CLOSE(score_rprecision(r, 6, g, 4), 1.0, 0, 0);
		CHECK_CLOSE(score_ndcg(r, 6, g, 4), 1.0, 1e-12, 0);
		CHECK_CLOSE(score_clicks(r, 6, g, 4), 0.0, 0, 0);
	}
	/* |G| > 500: IDCG stops at 500 terms; R-precision = hits in R[0:500] / |G|.
	 * G = 0..599, R = 0..499 → R-precision 500/600, NDCG 1. */
	{
		int64_t *g = malloc(600 * sizeof *g), r[500];
		for (int i = 0; i < 600; i++)
			g[i] = i;
		for (int i = 0; i < 500; i++)
			r[i] = i;
		CHECK_CLOSE(score_rprecision(r, 500, g, 600), 500.0 / 600.0, 1e-12, 0);
		CHECK_CLOSE(score_ndcg(r, 500, g, 600), 1.0, 1e-12, 0);
		free(g);
	}
	/* artist level: duplicates in R.  G_A = {1, 2}; R = 1, 1, 3, 2.
	 * R-precision: set(R[0:2]) = {1} → 1/2.  NDCG: R deduplicated = 1, 3, 2
	 * → DCG = 1 + 1/log2(4) (ranks 0 and 2), IDCG = 1 + 1/log2(3).
	 * Unknown items (-1) never match and are never merged: R = -1, -1, 2 →
	 * dedup keeps both -1 → the hit is at rank 2; clicks 0. */
	{
		int64_t g[] = { 1, 2 }, r[] = { 1, 1, 3, 2 }, u[] = { -1, -1, 2 };
		CHECK_CLOSE(score_rprecision(r, 4, g, 2), 0.5, 1e-12, 0);
		CHECK_CLOSE(score_ndcg(r, 4, g, 2), (d(0) + d(2)) / (d(0) + d(1)), 1e-12, 0);
		CHECK_CLOSE(score_ndcg(u, 3, g, 2), d(2) / (d(0) + d(1)), 1e-12, 0);
		CHECK_CLOSE(score_rprecision(u, 3, g, 2), 0.0, 0, 0);
		CHECK_CLOSE(score_clicks(u, 3, g, 2), 0.0, 0, 0);
	}
	/* categories from seeds, title and positions */
	{
		uint32_t first[100], rnd[100];
		for (uint32_t i = 0; i < 100; i++)
			first[i] = i, rnd[i] = 2 * i;
		CHECK_EQ_INT(challenge_category(0, 1, first), 1);
		CHECK_EQ_INT(challenge_category(0, 0, first), 0);
		CHECK_EQ_INT(challenge_category(1, 1, first), 2);
		CHECK_EQ_INT(challenge_category(5, 1, first), 3);
		CHECK_EQ_INT(challenge_category(5, 0, first), 4);
		CHECK_EQ_INT(challenge_category(10, 1, first), 5);
		CHECK_EQ_INT(challenge_category(10, 0, first), 6);
		CHECK_EQ_INT(challenge_category(25, 1, first), 7);
		CHECK_EQ_INT(challenge_category(25, 1, rnd), 8);
		CHECK_EQ_INT(challenge_category(100, 1, first), 9);
		CHECK_EQ_INT(challenge_category(100, 1, rnd), 10);
		CHECK_EQ_INT(challenge_category(25, 0, first), 0);
		CHECK_EQ_INT(challenge_category(7, 1, first), 0);
	}
	return check_done();
}
