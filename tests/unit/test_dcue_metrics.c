/* test_dcue_metrics.c — dcue-train's ranking metrics on hand-computed
 * cases, and its embedding file round trip. */
#include "check.h"

#include "../../tools/dcue-train/embfile.h"
#include "../../tools/dcue-train/metrics.h"

#include <stdlib.h>

int main(void)
{
	double m[MET_COUNT];
	uint32_t order[16];

	/* scores 0.9 .. 0.5, positives at 0.9 and 0.7 */
	float s[5] = { 0.9f, 0.8f, 0.7f, 0.6f, 0.5f }, tie[5] = { 0.1f, 0.2f, 0.3f, 0.4f, 0.5f };
	uint8_t pos[5] = { 1, 0, 1, 0, 0 };
	CHECK(rank_metrics(m, s, pos, tie, 5, order) == 0);
	CHECK_CLOSE(m[MET_AUC], 5.0 / 6.0, 1e-12, 0);
	CHECK_CLOSE(m[MET_R10], 1.0, 1e-12, 0);
	CHECK_CLOSE(m[MET_R100], 1.0, 1e-12, 0);
	CHECK_CLOSE(m[MET_NDCG100], 1.5 / (1.0 + 1.0 / log2(3.0)), 1e-12, 0);
	CHECK_CLOSE(m[MET_RPREC], 0.5, 1e-12, 0);

	/* all scores equal: AUC 1/2; the tie keys decide the top-k order */
	float c[5] = { 1, 1, 1, 1, 1 };
	CHECK(rank_metrics(m, c, pos, tie, 5, order) == 0);
	CHECK_CLOSE(m[MET_AUC], 0.5, 1e-12, 0);
	/* order by tie desc: 4, 3, 2(pos), 1, 0(pos) → R = 2, top 2 holds none */
	CHECK_CLOSE(m[MET_RPREC], 0.0, 1e-12, 0);
	CHECK_CLOSE(m[MET_NDCG100], (1.0 / log2(4.0) + 1.0 / log2(6.0)) / (1.0 + 1.0 / log2(3.0)),
	            1e-12, 0);

	/* a tie between a positive and a negative counts 1/2 */
	float t2[3] = { 0.5f, 0.5f, 0.1f };
	uint8_t p2[3] = { 1, 0, 0 };
	CHECK(rank_metrics(m, t2, p2, tie, 3, order) == 0);
	CHECK_CLOSE(m[MET_AUC], 0.75, 1e-12, 0);

	/* recall@10 with positives beyond the top 10 */
	float s12[12];
	uint8_t p12[12] = { 0 };
	for (int i = 0; i < 12; i++)
		s12[i] = (float)(12 - i);
	p12[0] = p12[11] = 1;
	CHECK(rank_metrics(m, s12, p12, s12, 12, order) == 0);
	CHECK_CLOSE(m[MET_R10], 0.5, 1e-12, 0);
	CHECK_CLOSE(m[MET_AUC], 0.5, 1e-12, 0);

	/* no positive, or no negative: not evaluated */
	uint8_t none[5] = { 0 }, all[5] = { 1, 1, 1, 1, 1 };
	CHECK(rank_metrics(m, s, none, tie, 5, order) == -1);
	CHECK(rank_metrics(m, s, all, tie, 5, order) == -1);

	/* embeddings round trip, and a corrupt file is refused */
	uint32_t key[3] = { 4, 9, 2 };
	float vec[6] = { 1, 2, 3, 4, 5, 6 };
	struct embeddings e = { .kind = EMB_PLAYLISTS, .n = 3, .E = 2, .key = key, .vec = vec }, f;
	char err[512];
	CHECK(emb_write("x.emb", &e) == 0);
	CHECK(emb_read("x.emb", &f, err, sizeof err) == 0);
	CHECK(f.n == 3 && f.E == 2 && f.kind == EMB_PLAYLISTS);
	CHECK(f.key[1] == 9 && f.vec[5] == 6.0f);
	emb_free(&f);
	FILE *fp = fopen("x.emb", "r+b");
	fseek(fp, 80, SEEK_SET);
	fputc(0x55, fp);
	fclose(fp);
	CHECK(emb_read("x.emb", &f, err, sizeof err) == -1);
	CHECK(strstr(err, "x.emb") != NULL);
	return check_done();
}
