/* score.c — dcue-train score: see score.h and docs/dcue-train.md#score.
 *
 * Reads the challenge set and its truth (common/challenge.h), optionally
 * MPD slices for the artists of tracks outside the truth, then a
 * submission (score_submission.c) and/or the popularity baseline from
 * mpd-parse output, and prints `metric level category model value` lines.
 * The metrics are in score_metrics.c, the catalogue in score_data.c. */
#define _POSIX_C_SOURCE 200809L
#include "score_impl.h"
#include "atomic.h"
#include "challenge.h"
#include "ids.h"
#include "msg.h"
#include "slices.h"
#include "opts.h"
#include "playlists.h"
#include "tracks.h"
#include "tsv.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char usage[] =
	"usage: dcue-train score --challenge FILE --truth FILE [--model NAME] [--tsv FILE]\n"
	"                        [--mpd PATH]... [--popularity MPD_DIR] [SUBMISSION]\n"
	"\n"
	"Scores a RecSys Challenge 2018 submission (CSV, plain or gzip: '#' comments,\n"
	"team_info,NAME,ADDR, then pid,uri1,...,uri500 per challenge playlist) against\n"
	"truth.json with the official metrics: R-precision, NDCG and clicks, at track\n"
	"and artist level, over all playlists and per category (1-10).  Prints lines\n"
	"'metric level category model value'.\n"
	"\n"
	"  --challenge FILE      the challenge set (challenge_set.json)\n"
	"  --truth FILE          the challenge playlists whole (mpd-parse make-challenge)\n"
	"  --model NAME          the model column for SUBMISSION (dcue)\n"
	"  --tsv FILE            also write the lines as TSV (with a header)\n"
	"  --mpd PATH            MPD slices (files or folders) giving the artists of\n"
	"                        recommended tracks outside the truth (artist level)\n"
	"  --popularity MPD_DIR  also score the popularity baseline (model 'popularity'):\n"
	"                        the most frequent tracks of MPD_DIR's playlists.bin\n"
	"                        (challenge playlists excluded), seeds left out\n"
	"  -q, --quiet           no warnings about unknown artists\n"
	"  -h, --help            this text\n"
	"\n"
	"Exit status: 0 success, 1 bad or unreadable input (named, with line and pid), 2 usage.\n";

/* --- the challenge and its truth ------------------------------------------------------ */

static size_t sort_unique(int64_t *v, size_t n)
{
	size_t m = 0;

	qsort(v, n, sizeof *v, score_cmp_i64);
	for (size_t i = 0; i < n; i++)
		if (v[i] >= 0 && (m == 0 || v[i] != v[m - 1]))
			v[m++] = v[i];
	return m;
}

/* Challenge and truth must describe the same playlists: the same pids, the
 * truth's length num_tracks, the seeds at their positions. */
void build_targets(struct scorer *s, const char *cpath, const char *tpath)
{
	struct catalogue *c = &s->cat;

	s->tg = xcalloc(s->ch.n + 1, sizeof *s->tg);
	for (size_t i = 0; i < s->truth.n; i++)
		if (challenge_find(&s->ch, s->truth.pl[i].pid) == NULL)
			diex(EXIT_WORK, "%s: pid %u is not in the challenge set %s", tpath,
			     s->truth.pl[i].pid, cpath);
	for (size_t i = 0; i < s->ch.n; i++) {
		const struct ch_playlist *p = &s->ch.pl[i];
		const struct ch_playlist *t = mpdjson_find(&s->truth, p->pid);
		struct target *g = &s->tg[i];

		if (t == NULL)
			diex(EXIT_WORK, "%s: pid %u of the challenge set %s is missing", tpath, p->pid,
			     cpath);
		if (t->n_tracks != p->num_tracks)
			diex(EXIT_WORK, "%s: pid %u holds %zu tracks, but %s says num_tracks %u", tpath,
			     p->pid, t->n_tracks, cpath, p->num_tracks);
		unsigned char *is_seed = xcalloc(t->n_tracks + 1, 1);
		g->seeds = xmalloc((p->n_tracks + 1) * sizeof *g->seeds);
		for (size_t k = 0; k < p->n_tracks; k++) {
			const struct ch_track *sd = &p->tracks[k];
			if (strcmp(t->tracks[sd->pos].id, sd->id) != 0)
				diex(EXIT_WORK, "%s: pid %u: the track at pos %u is %s, but the seed there in "
				     "%s is %s", tpath, p->pid, sd->pos, t->tracks[sd->pos].id, cpath, sd->id);
			is_seed[sd->pos] = 1;
			g->seeds[k] = cat_track(c, sd->id, sd->artist_uri);
		}
		g->n_seeds = sort_unique(g->seeds, p->n_tracks);
		g->g = xmalloc((t->n_tracks + 1) * sizeof *g->g);
		g->ga = xmalloc((t->n_tracks + 1) * sizeof *g->ga);
		for (size_t k = 0; k < t->n_tracks; k++) {
			int64_t id = cat_track(c, t->tracks[k].id, t->tracks[k].artist_uri);
			if (is_seed[k])
				continue;
			g->g[g->ng] = id;
			g->ga[g->ng++] = c->artist_of[id];
		}
		free(is_seed);
		g->nga = sort_unique(g->ga, g->ng);
		g->ng = sort_unique(g->g, g->ng);
		if (g->ng == 0 || g->nga == 0)
			diex(EXIT_WORK, "%s: pid %u: no held-out track (or no artist) to score", tpath,
			     p->pid);
	}
}

/* --mpd: the artists of every track of these slices (files or folders). */
static void add_slices(struct catalogue *c, const char *path)
{
	struct slices files = { 0 };
	char err[1024];

	slices_collect(&files, path);
	for (size_t f = 0; f < files.n; f++) {
		struct mpdjson m;
		if (mpdjson_read(files.v[f], &m, err, sizeof err) != 0)
			diex(EXIT_WORK, "%s", err);
		for (size_t i = 0; i < m.n; i++)
			for (size_t k = 0; k < m.pl[i].n_tracks; k++)
				cat_track(c, m.pl[i].tracks[k].id, m.pl[i].tracks[k].artist_uri);
		mpdjson_free(&m);
	}
	slices_free(&files);
}

/* --- results -------------------------------------------------------------------------- */

static const char *const metric_name[N_METRICS] = { "rprecision", "ndcg", "clicks" };
static const char *const level_name[2] = { "track", "artist" };

void score_playlist(const struct scorer *s, struct run *r, size_t i, const int64_t *rec,
                  size_t n)
{
	const struct target *g = &s->tg[i];
	int64_t art[SCORE_K];

	for (size_t k = 0; k < n; k++) {
		art[k] = rec[k] >= 0 ? s->cat.artist_of[rec[k]] : -1;
		r->unknown_artists += art[k] < 0;
	}
	r->recommended += n;
	r->v[i][0][M_RPREC] = score_rprecision(rec, n, g->g, g->ng);
	r->v[i][0][M_NDCG] = score_ndcg(rec, n, g->g, g->ng);
	r->v[i][0][M_CLICKS] = score_clicks(rec, n, g->g, g->ng);
	r->v[i][1][M_RPREC] = score_rprecision(art, n, g->ga, g->nga);
	r->v[i][1][M_NDCG] = score_ndcg(art, n, g->ga, g->nga);
	r->v[i][1][M_CLICKS] = score_clicks(art, n, g->ga, g->nga);
}

/* --- the popularity baseline ---------------------------------------------------------- */

static const uint64_t *pop_count;

static int by_count(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	if (pop_count[x] != pop_count[y])
		return pop_count[x] < pop_count[y] ? 1 : -1;
	return (x > y) - (x < y);
}

int score_challenge_pids(const char *path, uint32_t **pids, size_t *n, char *err,
                         size_t errcap)
{
	struct tsv_reader r;
	unsigned long toolong;
	uint32_t *v = NULL;
	size_t cap = 0;
	int got;
	FILE *fp;

	*pids = NULL;
	*n = 0;
	fp = fopen(path, "r");
	if (fp == NULL) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errcap, "%s: %s", path, strerror(errno));
		return -1;
	}
	tsv_reader_init(&r, fp, CHALLENGE_TSV_MAX_LINE);
	while ((got = tsv_getline(&r, &toolong)) > 0) {
		const char *q = r.line;
		uint64_t pid = 0;
		if (got == 2) {
			snprintf(err, errcap, "%s: line %lu: longer than %d bytes", path, toolong,
			         CHALLENGE_TSV_MAX_LINE);
			goto fail;
		}
		if (q[0] == '#')
			continue;
		while (*q >= '0' && *q <= '9' && q - r.line < 10)
			pid = pid * 10 + (uint64_t)(*q++ - '0');
		if (q == r.line || (*q != '\t' && *q != '\0') || pid >= UINT32_MAX) {
			snprintf(err, errcap, "%s: line %lu: expected a pid (decimal, below %u) in the "
			         "first column", path, r.lineno, UINT32_MAX);
			goto fail;
		}
		if (*n == cap) {
			cap = cap ? 2 * cap : 1024;
			v = xrealloc(v, cap * sizeof *v);
		}
		v[(*n)++] = (uint32_t)pid;
	}
	if (got < 0) {
		snprintf(err, errcap, "%s: %s", path, strerror(errno));
		goto fail;
	}
	tsv_reader_free(&r);
	fclose(fp);
	*pids = v;
	return 0;
fail:
	tsv_reader_free(&r);
	fclose(fp);
	free(v);
	*n = 0;
	return -1;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* Ranks MPD_DIR's tracks by the number of (non-challenge) playlists holding
 * them, ties by row; each challenge playlist gets the first 500 that are not
 * its seeds. */
static void score_popularity(struct scorer *s, struct run *r, const char *dir)
{
	char tp[4096], pp[4096], err[1024];
	struct tracks tr;
	struct playlists pl;
	size_t nch;
	uint32_t *chp;

	snprintf(tp, sizeof tp, "%s/challenge.tsv", dir);
	if (score_challenge_pids(tp, &chp, &nch, err, sizeof err) != 0)
		diex(EXIT_WORK, "%s", err);
	snprintf(tp, sizeof tp, "%s/tracks.tsv", dir);
	snprintf(pp, sizeof pp, "%s/playlists.bin", dir);
	if (tracks_read(tp, &tr, err, sizeof err) != 0 || playlists_read(pp, &pl, err, sizeof err) != 0)
		diex(EXIT_WORK, "%s", err);
	if (pl.n_tracks != tr.n)
		diex(EXIT_WORK, "%s: %llu tracks, but %s has %zu rows", pp,
		     (unsigned long long)pl.n_tracks, tp, tr.n);
	if (nch > 0)
		qsort(chp, nch, sizeof *chp, cmp_u32);
	uint64_t *count = xcalloc(tr.n + 1, sizeof *count);
	for (uint64_t p = 0; p < pl.n_playlists; p++) {
		if (nch > 0 && bsearch(&pl.pid[p], chp, nch, sizeof *chp, cmp_u32) != NULL)
			continue;
		for (uint64_t e = pl.offsets[p]; e < pl.offsets[p + 1]; e++)
			count[pl.track[e]]++;
	}
	uint32_t *rank = xmalloc((tr.n + 1) * sizeof *rank);
	int64_t *id = xmalloc((tr.n + 1) * sizeof *id);
	for (size_t t = 0; t < tr.n; t++) {
		rank[t] = (uint32_t)t;
		id[t] = cat_track(&s->cat, tr.id[t], NULL);
	}
	pop_count = count;
	qsort(rank, tr.n, sizeof *rank, by_count);
	/* every seed must be a track of MPD_DIR: else it was parsed without this set */
	unsigned char *in_mpd = xcalloc(s->cat.tracks.n + 1, 1);
	for (size_t t = 0; t < tr.n; t++)
		in_mpd[id[t]] = 1;
	for (size_t i = 0; i < s->ch.n; i++)
		for (size_t k = 0; k < s->tg[i].n_seeds; k++)
			if (!in_mpd[s->tg[i].seeds[k]])
				diex(EXIT_WORK, "%s: pid %u: seed track %s is not in it (parse the MPD with "
				     "mpd-parse --challenge)", tp, s->ch.pl[i].pid,
				     s->cat.tracks.key[s->tg[i].seeds[k]]);
	free(in_mpd);
	int64_t rec[SCORE_K];
	int short_warned = 0;
	for (size_t i = 0; i < s->ch.n; i++) {
		size_t n = 0;
		for (size_t j = 0; j < tr.n && n < SCORE_K; j++) {
			int64_t t = id[rank[j]];
			if (!score_in_sorted(s->tg[i].seeds, s->tg[i].n_seeds, t))
				rec[n++] = t;
		}
		if (n < SCORE_K && !short_warned && !s->quiet) {
			warnx("%s: %zu tracks: popularity recommends fewer than 500 (pid %u: %zu)", tp,
			      tr.n, s->ch.pl[i].pid, n);
			short_warned = 1;
		}
		score_playlist(s, r, i, rec, n);
	}
	free(count);
	free(rank);
	free(id);
	free(chp);
	tracks_free(&tr);
	playlists_free(&pl);
}

/* --- output ----------------------------------------------------------------------------- */

static void print_run(const struct scorer *s, const struct run *r, FILE *out, FILE *tsv)
{
	for (int m = 0; m < N_METRICS; m++)
		for (int lv = 0; lv < 2; lv++)
			for (int c = 0; c <= CH_CATEGORIES; c++) {
				double sum = 0;
				size_t n = 0;
				for (size_t i = 0; i < s->ch.n; i++)
					if (c == 0 || s->ch.pl[i].category == c) {
						sum += r->v[i][lv][m];
						n++;
					}
				if (n == 0)
					continue;           /* a category without playlists */
				char cat[8];
				snprintf(cat, sizeof cat, c == 0 ? "all" : "%d", c);
				fprintf(out, "%s %s %s %s %.4f\n", metric_name[m], level_name[lv], cat,
				        r->model, sum / (double)n);
				if (tsv)
					fprintf(tsv, "%s\t%s\t%s\t%s\t%.6f\n", metric_name[m], level_name[lv], cat,
					        r->model, sum / (double)n);
			}
}

static void warn_unknown(const struct run *r, int quiet)
{
	if (!quiet && r->unknown_artists > 0)
		warnx("%s: %zu of %zu recommended tracks have no known artist (give --mpd with the "
		      "training slices); the artist level counts them as misses", r->model,
		      r->unknown_artists, r->recommended);
}

static int model_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

void score_parse_options(struct score_options *o, int argc, char **argv)
{
	enum { O_CHALLENGE = 0x3000, O_TRUTH, O_MODEL, O_TSV, O_MPD, O_POP };
	static const struct option opts[] = {
		{ "challenge", required_argument, NULL, O_CHALLENGE },
		{ "truth", required_argument, NULL, O_TRUTH },
		{ "model", required_argument, NULL, O_MODEL },
		{ "tsv", required_argument, NULL, O_TSV },
		{ "mpd", required_argument, NULL, O_MPD },
		{ "popularity", required_argument, NULL, O_POP },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cpath = NULL, *tpath = NULL, *model = "dcue", *tsvpath = NULL, *pop = NULL;
	const char **mpd = o->mpd;
	size_t nmpd = 0;
	int c, quiet = 0;

	optind = 0;        /* GNU getopt: a full reset (main() has not run it) */
	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		switch (c) {
		case O_CHALLENGE: cpath = optarg; break;
		case O_TRUTH: tpath = optarg; break;
		case O_MODEL: model = optarg; break;
		case O_TSV: tsvpath = optarg; break;
		case O_MPD: mpd[nmpd++] = optarg; break;
		case O_POP: pop = optarg; break;
		case 'q': quiet = 1; break;
		case 'h': opt_help(usage);
		default: opt_bad(usage);
		}
	}
	if (cpath == NULL || tpath == NULL)
		opt_usage_error(usage, "score needs --challenge FILE and --truth FILE");
	if (argc - optind > 1)
		opt_usage_error(usage, "one SUBMISSION at a time");
	if (argc - optind == 0 && pop == NULL)
		opt_usage_error(usage, "nothing to score: give a SUBMISSION and/or --popularity MPD_DIR");
	if (!model_name_ok(model) || (pop != NULL && strcmp(model, "popularity") == 0 &&
	                              argc - optind == 1))
		opt_usage_error(usage, "--model: 1 to 64 printable characters without spaces, and "
		                "not 'popularity' next to --popularity");
	*o = (struct score_options){ .challenge = cpath, .truth = tpath, .model = model,
	                             .tsv = tsvpath, .popularity = pop, .mpd = mpd, .nmpd = nmpd,
	                             .quiet = quiet,
	                             .submission = argc - optind == 1 ? argv[optind] : NULL };
}

int cmd_score(int argc, char **argv)
{
	struct score_options so = { .mpd = xcalloc((size_t)argc + 1, sizeof *so.mpd) };
	const char *cpath, *tpath, *model, *tsvpath, *pop;
	const char **mpd;
	size_t nmpd;
	struct scorer s;
	struct run runs[2];
	int nruns = 0;
	char err[1024];

	score_parse_options(&so, argc, argv);
	cpath = so.challenge, tpath = so.truth, model = so.model, tsvpath = so.tsv;
	pop = so.popularity, mpd = so.mpd, nmpd = so.nmpd;
	memset(&s, 0, sizeof s);
	s.quiet = so.quiet;

	if (challenge_read(cpath, &s.ch, err, sizeof err) != 0 ||
	    mpdjson_read(tpath, &s.truth, err, sizeof err) != 0)
		diex(EXIT_WORK, "%s", err);
	build_targets(&s, cpath, tpath);
	for (size_t i = 0; i < nmpd; i++)
		add_slices(&s.cat, mpd[i]);
	if (so.submission != NULL) {
		struct run *r = &runs[nruns++];
		memset(r, 0, sizeof *r);
		r->model = model;
		r->v = xcalloc(s.ch.n + 1, sizeof *r->v);
		if (read_submission(&s, r, so.submission, err, sizeof err) != 0)
			diex(EXIT_WORK, "%s", err);
	}
	if (pop != NULL) {
		struct run *r = &runs[nruns++];
		memset(r, 0, sizeof *r);
		r->model = "popularity";
		r->v = xcalloc(s.ch.n + 1, sizeof *r->v);
		score_popularity(&s, r, pop);
	}

	struct atomic_file af;
	if (tsvpath != NULL) {
		if (atomic_open(&af, tsvpath) != 0)
			die(EXIT_WORK, "%s", tsvpath);
		fprintf(af.fp, "# metric\tlevel\tcategory\tmodel\tvalue\n");
	}
	for (int i = 0; i < nruns; i++) {
		warn_unknown(&runs[i], s.quiet);
		print_run(&s, &runs[i], stdout, tsvpath ? af.fp : NULL);
	}
	if (tsvpath != NULL && (ferror(af.fp) || atomic_commit(&af) != 0))
		die(EXIT_WORK, "%s", tsvpath);
	for (int i = 0; i < nruns; i++)
		free(runs[i].v);
	for (size_t i = 0; i < s.ch.n; i++) {
		free(s.tg[i].seeds);
		free(s.tg[i].g);
		free(s.tg[i].ga);
	}
	free(s.tg);
	free(mpd);
	cat_free(&s.cat);
	challenge_free(&s.ch);
	mpdjson_free(&s.truth);
	if (fflush(stdout) != 0 || ferror(stdout))
		die(EXIT_WORK, "stdout");
	return EXIT_OK;
}
