/* tiny_model.h — the small dcue-train model the unit tests build (M 5,
 * E 6, C 4, H 7, 3 negatives, batch 2, T 128) with P playlists.
 * Header-only, like check.h: each test is one program. */
#ifndef DCUE_TEST_TINY_MODEL_H
#define DCUE_TEST_TINY_MODEL_H

#include "../../tools/dcue-train/model.h"

#include <string.h>

static inline struct dcue_config tiny_config(uint32_t P)
{
	struct dcue_config c;
	memset(&c, 0, sizeof c);
	c.n_playlists = P;
	c.mel_bins = 5;
	c.mel_length = 128;
	c.embedding = 6;
	c.channels = 4;
	c.hidden = 7;
	c.nb_negatives = 3;
	c.batch_size = 2;
	return c;
}

#endif
