/* test_dcue_init.c — model_randomize on a playlist table large enough to
 * be drawn by several threads: every value is the one the seeded stream
 * gives in order (the one-thread reference, rng_normal after rng_normal),
 * the shared weights after it are those of a rank's share (drawn by one
 * thread, skipping the rows it does not hold), so the stream ends where
 * one thread ends it (rng_skip: n draws); and the momentum reads zero after a second
 * randomize, though it was written in between. */
#include "check.h"

#include "../../tools/dcue-train/model.h"
#include "tiny_model.h"
#include "rng.h"

#include <stdlib.h>
#include <string.h>

int main(void)
{
	/* 10,007 × 7 values: past the threshold of the threaded draw (lowered
	 * from 2^22 to keep the test fast), rows not a multiple of the thread
	 * count */
	struct dcue_config cfg = tiny_config(10007);
	struct model whole, part;
	struct rng r, ref, rp;
	size_t H = cfg.hidden, P = cfg.n_playlists, bad = 0;

	/* rng_skip(n) is n draws */
	rng_seed(&r, 3);
	rng_seed(&ref, 3);
	rng_skip(&r, 1001);
	for (int i = 0; i < 1001; i++)
		(void)rng_u64(&ref);
	CHECK(memcmp(r.s, ref.s, sizeof r.s) == 0);
	rng_skip(&r, 0);
	CHECK(memcmp(r.s, ref.s, sizeof r.s) == 0);

	model_draw_split = 4096;

	model_init(&whole, &cfg);
	model_init_part(&part, &cfg, 3, 1);
	rng_seed(&r, 9);
	rng_seed(&ref, 9);
	rng_seed(&rp, 9);
	model_randomize(&whole, &r);
	model_randomize(&part, &rp);
	for (size_t i = 0; i < P * H; i++) {
		float v = (float)rng_normal(&ref);
		bad += memcmp(&v, &whole.p.emb[i], sizeof v) != 0;
	}
	CHECK_EQ_INT(bad, 0);
	CHECK(memcmp(r.s, rp.s, sizeof r.s) == 0);
	CHECK(memcmp(whole.p.d1w, part.p.d1w, whole.n_shared * sizeof(float)) == 0);
	CHECK_EQ_INT(part.n_rows, (P + 1) / 3);
	bad = 0;
	for (size_t l = 0; l < part.n_rows; l++)
		bad += memcmp(part.p.emb + l * H, whole.p.emb + (l * 3 + 1) * H, H * sizeof(float)) != 0;
	CHECK_EQ_INT(bad, 0);

	/* the momentum cleared again, the table drawn again */
	float *copy = malloc(P * H * sizeof(float));
	memcpy(copy, whole.p.emb, P * H * sizeof(float));
	for (size_t i = 0; i < whole.n_params; i++)
		whole.mom_mem[i] = 1.0f;
	rng_seed(&r, 9);
	model_randomize(&whole, &r);
	bad = 0;
	for (size_t i = 0; i < whole.n_params; i++)
		bad += whole.mom_mem[i] != 0.0f;
	CHECK_EQ_INT(bad, 0);
	CHECK(memcmp(copy, whole.p.emb, P * H * sizeof(float)) == 0);
	free(copy);
	model_free(&whole);
	model_free(&part);
	return check_done();
}
