/* test_mkchallenge.c — mpd-parse make-challenge's choice of playlists and
 * of random seed positions: eligibility, counts, determinism. */
#include "check.h"

#include "mkchallenge.h"
#include "msg.h"

#include <stdint.h>
#include <stdlib.h>

int main(void)
{
	enum { P = 400 };
	uint32_t distinct[P], counts[CH_CATEGORIES + 1], counts2[CH_CATEGORIES + 1];
	uint8_t cat[P], cat2[P];
	char err[512];
	struct mkch_options o = { "x", 5, 5, 42, 0, 1 };

	msg_init("test_mkchallenge");
	for (int p = 0; p < P; p++)
		distinct[p] = (uint32_t)(3 + (p * 37) % 140);    /* 3 .. 142 */
	CHECK(mkch_select(distinct, P, &o, cat, counts, err, sizeof err) == 0);
	for (int c = 1; c <= CH_CATEGORIES; c++)
		CHECK_EQ_INT(counts[c], 5);
	int total = 0;
	for (int p = 0; p < P; p++) {
		if (cat[p] == 0)
			continue;
		total++;
		/* long enough: seeds + 5 distinct tracks */
		CHECK(distinct[p] >= ch_categories[cat[p]].seeds + 5);
	}
	CHECK_EQ_INT(total, 50);
	/* deterministic; another seed, another choice */
	CHECK(mkch_select(distinct, P, &o, cat2, counts2, err, sizeof err) == 0);
	CHECK(memcmp(cat, cat2, P) == 0);
	o.seed = 43;
	CHECK(mkch_select(distinct, P, &o, cat2, counts2, err, sizeof err) == 0);
	CHECK(memcmp(cat, cat2, P) != 0);

	/* too few: 100 seeds + 5 need 105 distinct tracks; none here */
	for (int p = 0; p < P; p++)
		distinct[p] = 50;
	CHECK(mkch_select(distinct, P, &o, cat, counts, err, sizeof err) == 0);
	CHECK_EQ_INT(counts[9], 0);
	CHECK_EQ_INT(counts[10], 0);
	CHECK_EQ_INT(counts[8], 5);
	o.strict = 1;
	CHECK(mkch_select(distinct, P, &o, cat, counts, err, sizeof err) == -1);
	CHECK(strstr(err, "category 10: 0 playlists instead of 5") != NULL);

	/* seed positions: first k, or ascending random positions that are not
	 * the first k, the same for the same (seed, pid) */
	uint32_t pos[100], pos2[100];
	mkch_seed_positions(1, 7, 7, 30, pos);
	for (uint32_t i = 0; i < 25; i++)
		CHECK_EQ_INT(pos[i], i);
	for (uint32_t pid = 0; pid < 200; pid++) {
		mkch_seed_positions(1, pid, 8, 26, pos);      /* 25 of 26: often nearly a prefix */
		int prefix = 1;
		for (uint32_t i = 0; i < 25; i++) {
			CHECK(pos[i] < 26);
			if (i > 0)
				CHECK(pos[i] > pos[i - 1]);
			prefix &= pos[i] == i;
		}
		CHECK(!prefix);
		mkch_seed_positions(1, pid, 8, 26, pos2);
		CHECK(memcmp(pos, pos2, 25 * sizeof *pos) == 0);
	}
	mkch_seed_positions(1, 3, 10, 140, pos);
	mkch_seed_positions(2, 3, 10, 140, pos2);
	CHECK(memcmp(pos, pos2, 100 * sizeof *pos) != 0);
	return check_done();
}
