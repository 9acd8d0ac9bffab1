/* similar.c — `dcue-train similar`: the tracks nearest to a track (--track,
 * --queries) or to a .mel (--audio) by the cosine of their audio
 * embeddings, from dcue-train embed's track file.  The search is blocked
 * sgemm over the table with a k-heap per query (topk.h): no n-sized score
 * array, no sort of all n.  See docs/dcue-train.md. */
#define _POSIX_C_SOURCE 200809L
#include "recommend.h"
#include "msg.h"
#include "progress.h"
#include "topk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct self { const long *row; const uint32_t *key; };

/* CPU seconds of the process, all threads: on a shared machine the wall
 * time says as much about the neighbours as about the search. */
static double cpu_seconds(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* a track is never its own neighbour */
static int skip_self(void *ctx, size_t q, size_t i)
{
	const struct self *s = ctx;
	return s->row[q] >= 0 && s->key[i] == (uint32_t)s->row[q];
}

int cmd_similar(struct options *o)
{
	struct catalogue c;
	struct model m;
	size_t nq = 0, E;
	long *qrow;
	float *Q;
	int have_model = o->audio != NULL;

	if (have_model)
		load_model(&m, o->load);
	catalogue_load(&c, o, have_model ? &m : NULL, 0);
	E = c.emb.E;
	if (o->queries != NULL) {
		catalogue_index_ids(&c);
		uint32_t *rows = read_seeds(&c, o->queries, &nq);
		qrow = xmalloc((nq + 1) * sizeof(long));
		for (size_t q = 0; q < nq; q++)
			qrow[q] = rows[q];
		free(rows);
	} else {
		nq = 1;
		qrow = xmalloc(sizeof(long));
		qrow[0] = -1;
		if (o->track != NULL) {
			qrow[0] = catalogue_find(&c, o->track);
			if (qrow[0] < 0)
				diex(EXIT_WORK, "--track %s: not in %s/tracks.tsv", o->track, o->mpd);
		}
	}
	Q = xmalloc((nq + 1) * E * sizeof(float));
	for (size_t q = 0; q < nq; q++) {
		if (qrow[q] < 0) {
			embed_mel_file(&m, o->audio, Q);
			continue;
		}
		if (c.vec_of[qrow[q]] < 0)
			diex(EXIT_WORK, "%s: track %s has no embedding", o->embeddings,
			     c.tr.id[qrow[q]]);
		memcpy(Q + q * E, c.emb.vec + (size_t)c.vec_of[qrow[q]] * E, E * sizeof(float));
	}
	struct topk *h = xmalloc((nq + 1) * sizeof *h);
	for (size_t q = 0; q < nq; q++)
		topk_init(&h[q], (size_t)o->k);
	struct self self = { qrow, c.emb.key };
	double t0 = now_seconds(), c0 = cpu_seconds();
	cosine_search(Q, nq, c.emb.vec, c.inv, c.emb.n, E, skip_self, &self, h);
	if (!o->quiet)
		warnx("%zu quer%s over %zu tracks: %.3f s (%.3f s of CPU)", nq, nq == 1 ? "y" : "ies",
		      c.emb.n, now_seconds() - t0, cpu_seconds() - c0);
	if (o->queries != NULL)
		printf("# query\t%s", &TRACK_LIST_HEADER[2]);   /* past its "# " */
	else
		printf(TRACK_LIST_HEADER);
	for (size_t q = 0; q < nq; q++) {
		topk_sort(&h[q]);
		for (size_t r = 0; r < h[q].n; r++) {
			if (o->queries != NULL)
				printf("%s\t", c.tr.id[qrow[q]]);
			print_track(stdout, &c, r + 1, c.emb.key[h[q].key[r]], h[q].score[r]);
		}
		topk_free(&h[q]);
	}
	free(h);
	free(Q);
	free(qrow);
	catalogue_free(&c);
	if (have_model)
		model_free(&m);
	return EXIT_OK;
}
