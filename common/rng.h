/* rng.h — the project's seeded pseudo-random generator (xoshiro256**,
 * seeded through splitmix64).  Every random choice in dcue comes from here,
 * never from rand(): the same --seed gives the same outputs on any machine.
 * The state is four words so checkpoints can save and restore it. */
#ifndef DCUE_RNG_H
#define DCUE_RNG_H

#include <stdint.h>

struct rng {
	uint64_t s[4];
};

void rng_seed(struct rng *r, uint64_t seed);
uint64_t rng_u64(struct rng *r);
/* The state after n more rng_u64 draws (a loop, ~1 ns a draw). */
void rng_skip(struct rng *r, uint64_t n);
/* Uniform in [0, n), unbiased (n > 0). */
uint64_t rng_below(struct rng *r, uint64_t n);
/* Uniform in [0, 1) with 53 (double) or 24 (float) random bits. */
double rng_double(struct rng *r);
float rng_float(struct rng *r);
/* Standard normal (Box-Muller; consumes two draws). */
double rng_normal(struct rng *r);
/* Fisher-Yates shuffle of n uint32 values. */
void rng_shuffle_u32(struct rng *r, uint32_t *v, uint64_t n);

#endif
