/* eval.c — `dcue-train eval`: ranking metrics in three settings for the
 * model and two baselines.
 *
 *   warm   candidates: train tracks not among the playlist's training
 *          interactions; positives: its held-out interactions
 *   cold   candidates: test tracks (never seen in training); positives:
 *          the playlist's test tracks
 *   paper  candidates: all train tracks; positives: the playlist's train
 *          tracks (the authors' setting, a measure of fit)
 * Each figure is a mean over the playlists with at least one positive and
 * one negative candidate. */
#define _POSIX_C_SOURCE 200809L
#include "atomic.h"
#include "dcue.h"
#include "metrics.h"
#include "msg.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { SET_WARM, SET_COLD, SET_PAPER, SET_COUNT };
enum { MOD_DCUE, MOD_POP, MOD_RANDOM, MOD_COUNT };
static const char *const set_names[SET_COUNT] = { "warm", "cold", "paper" };
static const char *const mod_names[MOD_COUNT] = { "dcue", "popularity", "random" };

static void normalize(float *x, size_t n, size_t E)
{
	for (size_t i = 0; i < n; i++) {
		double ss = 0;
		for (size_t e = 0; e < E; e++)
			ss += (double)x[i * E + e] * x[i * E + e];
		float s = (float)(1.0 / fmax(sqrt(ss), COSINE_EPS));
		for (size_t e = 0; e < E; e++)
			x[i * E + e] *= s;
	}
}

int cmd_eval(struct options *o)
{
	struct model m;
	struct dataset d;
	struct atomic_file pp;
	struct rng r;
	size_t E, N, P;

	load_model(&m, o->load);
	load_data_for(&d, o, &m, 1);
	E = m.cfg.embedding;
	N = d.n_tracks;
	P = d.pl.n_playlists;
	float *tv = xmalloc(N * E * sizeof(float) + 1), *pv = xmalloc(P * E * sizeof(float) + 1);
	embed_tracks(&m, &d, o->eval_batch, tv, o->quiet);
	embed_playlists(&m, P, o->eval_batch, pv);
	normalize(tv, N, E);
	normalize(pv, P, E);

	if (o->per_playlist != NULL) {
		if (atomic_open(&pp, o->per_playlist) != 0)
			die(EXIT_WORK, "%s: cannot write", o->per_playlist);
		fputs("# setting\tmodel\tpid\tauc\n", pp.fp);
	}
	uint8_t *state = xcalloc(N + 1, 1);     /* per playlist: 1 positive, 2 excluded */
	uint32_t *cand = xmalloc((N + 1) * sizeof(uint32_t)), *order = xmalloc((N + 1) * 4);
	float *score = xmalloc((N + 1) * sizeof(float)), *tie = xmalloc((N + 1) * sizeof(float));
	uint8_t *pos = xmalloc(N + 1);
	double sum[SET_COUNT][MOD_COUNT][MET_COUNT] = { { { 0 } } };
	size_t count[SET_COUNT] = { 0 };

	rng_seed(&r, m.cfg.seed ^ 0x5eedull);
	for (int s = 0; s < SET_COUNT; s++) {
		for (size_t p = 0; p < P; p++) {
			uint64_t e0 = d.pl.offsets[p], e1 = d.pl.offsets[p + 1];
			for (uint64_t e = e0; e < e1; e++) {
				int k = d.kind[e];
				uint32_t t = d.pl.track[e];
				if (s == SET_WARM)
					state[t] = k == ENTRY_HELDOUT ? 1 : k == ENTRY_TRAIN ? 2 : 0;
				else if (s == SET_COLD)
					state[t] = k == ENTRY_TEST;
				else
					state[t] = k == ENTRY_TRAIN || k == ENTRY_HELDOUT;
			}
			const uint32_t *pool = s == SET_COLD ? d.test_tracks : d.train_tracks;
			size_t npool = s == SET_COLD ? d.n_test : d.n_train, n = 0;
			for (size_t i = 0; i < npool; i++) {
				uint32_t t = pool[i];
				if (state[t] == 2)
					continue;
				cand[n] = t;
				pos[n] = state[t] == 1;
				tie[n] = rng_float(&r);
				n++;
			}
			for (uint64_t e = e0; e < e1; e++)
				state[d.pl.track[e]] = 0;
			for (int mo = 0; mo < MOD_COUNT; mo++) {
				double met[MET_COUNT];
				for (size_t i = 0; i < n; i++) {
					uint32_t t = cand[i];
					if (mo == MOD_DCUE) {
						const float *a = pv + p * E, *b = tv + (size_t)t * E;
						float dt = 0;
						for (size_t q = 0; q < E; q++)
							dt += a[q] * b[q];
						score[i] = dt;
					} else if (mo == MOD_POP) {
						score[i] = (float)d.pop[t];
					} else {
						score[i] = rng_float(&r);
					}
				}
				if (rank_metrics(met, score, pos, tie, n, order) != 0)
					break;
				if (mo == 0)
					count[s]++;
				for (int q = 0; q < MET_COUNT; q++)
					sum[s][mo][q] += met[q];
				if (o->per_playlist != NULL)
					fprintf(pp.fp, "%s\t%s\t%u\t%.6f\n", set_names[s], mod_names[mo],
					        d.pl.pid[p], met[MET_AUC]);
			}
		}
	}

	/* the report and the per-playlist file are one set (see the commit) */
	struct atomic_file rep;
	if (o->report != NULL) {
		if (atomic_open(&rep, o->report) != 0)
			die(EXIT_WORK, "%s: cannot write", o->report);
		fputs("# metric\tsetting\tmodel\tvalue\n", rep.fp);
	}
	for (int s = 0; s < SET_COUNT; s++) {
		if (!o->quiet)
			warnx("%s: %zu playlists evaluated", set_names[s], count[s]);
		for (int q = 0; q < MET_COUNT; q++)
			for (int mo = 0; mo < MOD_COUNT; mo++) {
				double v = count[s] ? sum[s][mo][q] / (double)count[s] : NAN;
				printf("%s %s %s %.4f\n", metric_names[q], set_names[s], mod_names[mo], v);
				if (o->report != NULL)
					fprintf(rep.fp, "%s\t%s\t%s\t%.6f\n", metric_names[q], set_names[s],
					        mod_names[mo], v);
			}
	}
	struct atomic_file *set[2];
	const char *name[2];
	size_t n = 0, bad;
	if (o->report != NULL)
		set[n] = &rep, name[n++] = o->report;
	if (o->per_playlist != NULL)
		set[n] = &pp, name[n++] = o->per_playlist;
	if (n > 0 && atomic_commit_set(set, n, &bad) != 0)
		die(EXIT_WORK, "%s: cannot write", name[bad]);
	free(state), free(cand), free(order), free(score), free(tie), free(pos), free(tv), free(pv);
	data_free(&d);
	model_free(&m);
	return EXIT_OK;
}
