/* mpd-parse — Million Playlist Dataset slices to tracks.tsv + playlists.bin.
 *
 *   mpd-parse [--limit N] [--min-count K] [-q] -o OUTDIR PATH...
 *   mpd-parse stats [--limit N] [--min-count K] [--histograms FILE] PATH...
 *   mpd-parse make-challenge -o DIR [--per-category N] [--seed S] PATH...
 *
 * See docs/mpd-parse.md for the formats and the cost at scale. */
#define _POSIX_C_SOURCE 200809L
#include "msg.h"
#include "mpd_reader.h"
#include "mpd_store.h"
#include "mkchallenge.h"
#include "opts.h"
#include "playlists.h"
#include "progress.h"
#include "slices.h"
#include "tracks.h"
#include "atomic.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage_text[] =
	"usage: mpd-parse [--limit N] [--min-count K] [--challenge FILE] [-q] -o OUTDIR PATH...\n"
	"       mpd-parse stats [--limit N] [--min-count K] [--histograms FILE] PATH...\n"
	"       mpd-parse dump PLAYLISTS.bin\n"
	"       mpd-parse make-challenge -o DIR [--per-category N] [--seed S]\n"
	"                                [--min-holdouts H] [--strict] PATH...\n"
	"\n"
	"Reads Million Playlist Dataset slices (mpd.slice.A-B.json, plain or gzip;\n"
	"PATH may be a file, a folder of them or - for one slice on stdin, in any\n"
	"order) and writes\n"
	"  OUTDIR/tracks.tsv      one line per unique track: track_id, artist, title\n"
	"                         (cleaned for searching), album, duration_ms, count\n"
	"                         (playlists holding it), original name\n"
	"  OUTDIR/playlists.bin   each playlist's pid and track rows (binary, CRC32)\n"
	"Output is ordered by pid, whatever the order of the files.\n"
	"\n"
	"  -o, --output DIR     where to write (created if missing)\n"
	"  -l, --limit N        only playlists with pid < N (5000: the 0.5% subset)\n"
	"  -k, --min-count K    drop tracks in fewer than K playlists; playlists left\n"
	"                       with fewer than 2 tracks are dropped\n"
	"  -j, --threads N      threads per large file: 1 or 2 (default: 2 when the\n"
	"                       machine has two cores or more)\n"
	"  -c, --challenge FILE also read a challenge set (challenge_set.json): its\n"
	"                       playlists join playlists.bin with their seeds, the\n"
	"                       seeds join tracks.tsv, OUTDIR/challenge.tsv lists them\n"
	"  -q, --quiet          no summary on stderr\n"
	"  -h, --help           this text\n"
	"      --version        the version\n"
	"\n"
	"stats: prints 'key: value' lines about the dataset (PATH: MPD slices, or an\n"
	"OUTDIR written by mpd-parse); --histograms FILE writes playlist lengths and\n"
	"track occurrence counts as TSV (what, value, count) for dcue-plot stats.\n"
	"dump: prints playlists.bin as text, one playlist per line: pid, a tab, and\n"
	"its track rows (0-based rows of tracks.tsv) separated by spaces.\n"
	"make-challenge: a local RecSys Challenge 2018 set: 10 categories x N\n"
	"playlists (--per-category, 10), drawn by --seed (1) among playlists with at\n"
	"least seeds + H distinct tracks (--min-holdouts, 5); writes\n"
	"DIR/challenge_set.json, DIR/truth.json and DIR/mpd/ (the slices without\n"
	"them).  A category short of such playlists takes what there is, with a\n"
	"warning (--strict: an error).\n"
	"\n"
	"Exit status: 0 success, 1 bad or unreadable input (nothing written), 2 usage.\n";

struct args {
	uint32_t limit, min_count;
	const char *outdir, *histograms, *challenge;
	int quiet, stats, threads;
	int limit_set, mkch_set;           /* options that only some commands take */
	struct mkch_options mk;
	int cmd;                           /* enum command (parse_command) */
	int argc;                          /* the operands: PATHs, or dump's file */
	char **argv;
};

enum command { CMD_PARSE, CMD_STATS, CMD_DUMP, CMD_MKCH };

enum { O_PER_CATEGORY = 0x2000, O_SEED, O_MIN_HOLDOUTS, O_STRICT };

static void parse_args(int argc, char **argv, struct args *a)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "limit", required_argument, NULL, 'l' },
		{ "min-count", required_argument, NULL, 'k' },
		{ "histograms", required_argument, NULL, 'H' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "threads", required_argument, NULL, 'j' },
		{ "challenge", required_argument, NULL, 'c' },
		{ "per-category", required_argument, NULL, O_PER_CATEGORY },
		{ "seed", required_argument, NULL, O_SEED },
		{ "min-holdouts", required_argument, NULL, O_MIN_HOLDOUTS },
		{ "strict", no_argument, NULL, O_STRICT },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(a, 0, sizeof *a);
	a->limit = UINT32_MAX;
	a->min_count = 1;
	a->threads = sysconf(_SC_NPROCESSORS_ONLN) > 1 ? 2 : 1;
	a->mk.per_category = 10;
	a->mk.min_holdouts = 5;
	a->mk.seed = 1;
	while ((c = getopt_long(argc, argv, "o:l:k:qj:c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': a->outdir = optarg; break;
		case 'l':
			a->limit = (uint32_t)opt_ll("--limit", optarg, 1, UINT32_MAX - 1);
			a->limit_set = 1;
			break;
		case 'c': a->challenge = optarg; break;
		case O_PER_CATEGORY:
			a->mk.per_category = (uint32_t)opt_ll("--per-category", optarg, 1, 100000);
			a->mkch_set = 1;
			break;
		case O_SEED:
			a->mk.seed = (uint64_t)opt_ll("--seed", optarg, 0, INT64_MAX);
			a->mkch_set = 1;
			break;
		case O_MIN_HOLDOUTS:
			a->mk.min_holdouts = (uint32_t)opt_ll("--min-holdouts", optarg, 1, 100000);
			a->mkch_set = 1;
			break;
		case O_STRICT: a->mk.strict = 1, a->mkch_set = 1; break;
		case 'k': a->min_count = (uint32_t)opt_ll("--min-count", optarg, 1, UINT32_MAX); break;
		case 'H': a->histograms = optarg; break;
		case 'q': a->quiet = 1; break;
		case 'j': a->threads = (int)opt_ll("--threads", optarg, 1, 2); break;
		case 'h': opt_help(usage_text);
		case OPT_VERSION: opt_version();
		default: opt_bad(usage_text);
		}
	}
}

/* File lists ------------------------------------------------------------ */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A slice named mpd.slice.A-B.json holds pids A..B: with --limit N, a slice
 * with A >= N cannot contribute and is not read at all. */
static int slice_beyond_limit(const char *path, uint32_t limit)
{
	const char *base = strrchr(path, '/');
	unsigned long a, b;
	int end = 0;

	base = base ? base + 1 : path;
	if (sscanf(base, "mpd.slice.%lu-%lu.json%n", &a, &b, &end) == 2 && end > 0)
		return a >= limit;
	return 0;
}

static void read_all(struct slices *f, struct mpd_store *st, int quiet, int threads)
{
	struct progress pr;
	char err[1024], extra[64];

	progress_init(&pr, "mpd-parse", f->n);
	if (quiet)
		pr.enabled = 0;
	for (size_t i = 0; i < f->n; i++) {
		if (slice_beyond_limit(f->v[i], st->limit))
			continue;
		struct mpd_store second;
		int used_second = 0, rc;

		st->cur_file = (uint32_t)i;
		if (threads > 1) {
			store_init(&second, st->limit, st->want_uris);
			second.cur_file = (uint32_t)i;
			rc = mpd_read_file_split(f->v[i], store_add_playlist, st, store_add_playlist,
			                         &second, &used_second, err, sizeof err);
			if (rc == 0 && used_second)
				store_merge(st, &second);
			store_free(&second);
		} else {
			rc = mpd_read_file(f->v[i], store_add_playlist, st, err, sizeof err);
		}
		if (rc != 0) {
			progress_end(&pr);
			diex(EXIT_WORK, "%s", err);
		}
		snprintf(extra, sizeof extra, "%zu playlists", st->n_playlists);
		progress_update(&pr, i + 1, extra);
	}
	progress_end(&pr);
}

/* stats ------------------------------------------------------------------ */

struct stats_in {
	uint64_t P, raw_entries, n_tracks, n_artists, n_albums;
	const uint64_t *len;       /* [P] playlist lengths (as read) */
	const uint32_t *count;     /* [n_tracks] playlists holding each track */
	const uint64_t *offsets;   /* CSR of the deduplicated playlists */
	const uint32_t *track;
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static void write_histograms(const char *path, const struct stats_in *s, const uint64_t *sorted_len)
{
	struct atomic_file af;
	uint64_t maxc = 0, *hist;

	if (atomic_open(&af, path) != 0)
		die(EXIT_WORK, "%s: cannot write", path);
	fprintf(af.fp, "# what\tvalue\tcount\n");
	for (uint64_t i = 0; i < s->P; ) {
		uint64_t j = i;
		while (j < s->P && sorted_len[j] == sorted_len[i])
			j++;
		fprintf(af.fp, "playlist_length\t%llu\t%llu\n", (unsigned long long)sorted_len[i],
		        (unsigned long long)(j - i));
		i = j;
	}
	for (uint64_t k = 0; k < s->n_tracks; k++)
		if (s->count[k] > maxc)
			maxc = s->count[k];
	hist = xcalloc(maxc + 1, sizeof *hist);
	for (uint64_t k = 0; k < s->n_tracks; k++)
		hist[s->count[k]]++;
	for (uint64_t c = 1; c <= maxc; c++)
		if (hist[c])
			fprintf(af.fp, "track_occurrences\t%llu\t%llu\n", (unsigned long long)c,
			        (unsigned long long)hist[c]);
	free(hist);
	if (ferror(af.fp) || atomic_commit(&af) != 0)
		die(EXIT_WORK, "%s: cannot write", path);
}

static void print_stats(const struct stats_in *s, const char *histograms)
{
	uint64_t *len = xmalloc((s->P + 1) * sizeof *len), sum = 0;
	uint64_t occ[4] = { 0 }, keep_tracks = 0, keep_playlists = 0, keep_entries = 0;

	memcpy(len, s->len, s->P * sizeof *len);
	qsort(len, s->P, sizeof *len, cmp_u64);
	for (uint64_t p = 0; p < s->P; p++)
		sum += len[p];
	for (uint64_t k = 0; k < s->n_tracks; k++) {
		uint32_t c = s->count[k];
		occ[c <= 1 ? 0 : c <= 5 ? 1 : c <= 20 ? 2 : 3]++;
		keep_tracks += c >= 2;
	}
	for (uint64_t p = 0; p < s->P; p++) {
		uint64_t kept = 0;
		for (uint64_t e = s->offsets[p]; e < s->offsets[p + 1]; e++)
			kept += s->count[s->track[e]] >= 2;
		if (kept >= 2) {
			keep_playlists++;
			keep_entries += kept;
		}
	}
	printf("playlists: %llu\n", (unsigned long long)s->P);
	printf("interactions: %llu\n", (unsigned long long)s->raw_entries);
	printf("unique_tracks: %llu\n", (unsigned long long)s->n_tracks);
	printf("unique_artists: %llu\n", (unsigned long long)s->n_artists);
	printf("unique_albums: %llu\n", (unsigned long long)s->n_albums);
	if (s->P > 0) {
		double median = s->P % 2 ? (double)len[s->P / 2]
		                         : 0.5 * (double)(len[s->P / 2 - 1] + len[s->P / 2]);
		printf("playlist_length_min: %llu\n", (unsigned long long)len[0]);
		printf("playlist_length_median: %g\n", median);
		printf("playlist_length_mean: %.2f\n", (double)sum / (double)s->P);
		printf("playlist_length_max: %llu\n", (unsigned long long)len[s->P - 1]);
	}
	printf("tracks_occurring_1: %llu\n", (unsigned long long)occ[0]);
	printf("tracks_occurring_2_5: %llu\n", (unsigned long long)occ[1]);
	printf("tracks_occurring_6_20: %llu\n", (unsigned long long)occ[2]);
	printf("tracks_occurring_over_20: %llu\n", (unsigned long long)occ[3]);
	printf("min_count_2_tracks: %llu\n", (unsigned long long)keep_tracks);
	printf("min_count_2_playlists: %llu\n", (unsigned long long)keep_playlists);
	printf("min_count_2_interactions: %llu\n", (unsigned long long)keep_entries);
	if (histograms != NULL)
		write_histograms(histograms, s, len);
	free(len);
}

static int is_outdir(const char *path)
{
	struct stat st;
	char p[4096];

	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		return 0;
	snprintf(p, sizeof p, "%s/playlists.bin", path);
	return access(p, F_OK) == 0;
}

/* Distinct strings among n (sorting a copy of the pointers). */
static uint64_t count_distinct(char **v, size_t n)
{
	uint64_t d = 0;

	qsort(v, n, sizeof *v, cmp_str);
	for (size_t i = 0; i < n; i++)
		d += i == 0 || strcmp(v[i], v[i - 1]) != 0;
	return d;
}

static int stats_outdir(const char *dir, const struct args *a)
{
	char tp[4096], pp[4096], err[1024];
	struct tracks t;
	struct playlists pl;
	struct stats_in s;

	snprintf(tp, sizeof tp, "%s/tracks.tsv", dir);
	snprintf(pp, sizeof pp, "%s/playlists.bin", dir);
	if (tracks_read(tp, &t, err, sizeof err) != 0 || playlists_read(pp, &pl, err, sizeof err) != 0)
		diex(EXIT_WORK, "%s", err);
	if (pl.n_tracks != t.n)
		diex(EXIT_WORK, "%s: %llu tracks, but %s has %zu rows", pp,
		     (unsigned long long)pl.n_tracks, tp, t.n);
	uint64_t *len = xmalloc((pl.n_playlists + 1) * sizeof *len);
	uint32_t *count = xcalloc(t.n + 1, sizeof *count);
	for (uint64_t p = 0; p < pl.n_playlists; p++)
		len[p] = pl.offsets[p + 1] - pl.offsets[p];
	for (uint64_t e = 0; e < pl.n_entries; e++)
		count[pl.track[e]]++;
	char **names = xmalloc((t.n + 1) * sizeof *names);
	memcpy(names, t.artist, t.n * sizeof *names);
	uint64_t artists = count_distinct(names, t.n);
	memcpy(names, t.album, t.n * sizeof *names);
	uint64_t albums = count_distinct(names, t.n);
	free(names);
	s = (struct stats_in){ pl.n_playlists, pl.n_entries, t.n, artists, albums, len, count,
	                       pl.offsets, pl.track };
	print_stats(&s, a->histograms);
	free(len);
	free(count);
	tracks_free(&t);
	playlists_free(&pl);
	return 0;
}

static int run_stats(int argc, char **argv, const struct args *a)
{
	struct slices f = { 0 };
	struct mpd_store st;
	struct dataset ds;
	char err[1024];

	if (a->histograms != NULL && atomic_probe(a->histograms) != 0)
		die(EXIT_WORK, "%s: cannot write", a->histograms);
	if (argc == 1 && is_outdir(argv[0]))
		return stats_outdir(argv[0], a);
	for (int i = 0; i < argc; i++)
		slices_collect(&f, argv[i]);
	store_init(&st, a->limit, 1);
	read_all(&f, &st, 1, a->threads);
	if (store_finish(&st, a->min_count, (const char *const *)f.v, &ds, err, sizeof err) != 0)
		diex(EXIT_WORK, "%s", err);
	/* Lengths as read (duplicates included), in pid order. */
	uint64_t *len = xmalloc((ds.n_playlists + 1) * sizeof *len);
	for (uint64_t p = 0; p < ds.n_playlists; p++)
		len[p] = ds.offsets[p + 1] - ds.offsets[p];
	if (a->min_count <= 1) {
		/* raw lengths: the store's spans, matched to the sorted pids */
		uint64_t *raw = xmalloc((st.n_playlists + 1) * sizeof *raw);
		for (size_t p = 0; p < st.n_playlists; p++)
			raw[p] = st.start[p + 1] - st.start[p];
		free(len);
		len = raw;
	}
	struct stats_in s = { ds.n_playlists, ds.raw_entries, ds.n_tracks, st.artists.n,
	                      st.albums.n, len, ds.count, ds.offsets, ds.track };
	print_stats(&s, a->histograms);
	free(len);
	dataset_free(&ds);
	store_free(&st);
	slices_free(&f);
	return 0;
}

static int run_dump(const char *path)
{
	struct playlists pl;
	char err[1024];

	if (playlists_read(path, &pl, err, sizeof err) != 0)
		diex(EXIT_WORK, "%s", err);
	for (uint64_t p = 0; p < pl.n_playlists; p++) {
		printf("%u\t", pl.pid[p]);
		for (uint64_t e = pl.offsets[p]; e < pl.offsets[p + 1]; e++)
			printf(e > pl.offsets[p] ? " %u" : "%u", pl.track[e]);
		putchar('\n');
	}
	playlists_free(&pl);
	return 0;
}

/* make-challenge: pass 1 here (every playlist's distinct tracks), the
 * choice and pass 2 in mkchallenge.c. */
static int run_make_challenge(int argc, char **argv, struct args *a)
{
	struct slices f = { 0 };
	struct mpd_store st;
	struct dataset ds;
	char err[1024];
	uint32_t counts[CH_CATEGORIES + 1], *distinct;
	uint8_t *category;
	size_t total = 0;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-") == 0)
			opt_usage_error(usage_text, "make-challenge reads files, not standard input");
		slices_collect(&f, argv[i]);
	}
	store_init(&st, UINT32_MAX, 0);
	read_all(&f, &st, a->quiet, a->threads);
	if (store_finish(&st, 1, (const char *const *)f.v, &ds, err, sizeof err) != 0)
		diex(EXIT_WORK, "%s", err);
	distinct = xmalloc((ds.n_playlists + 1) * sizeof *distinct);
	for (uint64_t p = 0; p < ds.n_playlists; p++)
		distinct[p] = (uint32_t)(ds.offsets[p + 1] - ds.offsets[p]);
	category = xmalloc(ds.n_playlists + 1);
	a->mk.outdir = a->outdir;
	a->mk.quiet = a->quiet;
	if (mkch_select(distinct, ds.n_playlists, &a->mk, category, counts, err, sizeof err) != 0)
		diex(EXIT_WORK, "%s", err);
	for (int c = 1; c <= CH_CATEGORIES; c++)
		total += counts[c];
	if (total == 0)
		diex(EXIT_WORK, "no playlist is long enough for any category");
	if (mkch_write(&a->mk, f.v, f.n, ds.pid, category, ds.n_playlists, err, sizeof err) != 0)
		diex(EXIT_WORK, "%s", err);
	if (!a->quiet) {
		fprintf(stderr, "%s: %zu challenge playlists (per category:", msg_prog, total);
		for (int c = 1; c <= CH_CATEGORIES; c++)
			fprintf(stderr, " %u", counts[c]);
		fprintf(stderr, ") of %llu -> %s\n", (unsigned long long)ds.n_playlists, a->outdir);
	}
	free(distinct);
	free(category);
	dataset_free(&ds);
	store_free(&st);
	slices_free(&f);
	return EXIT_OK;
}

/* The command and its options, every value and combination checked; no
 * file is touched. */
static void parse_command(int argc, char **argv, struct args *a)
{
	int stats = argc > 1 && strcmp(argv[1], "stats") == 0;
	int dump = argc > 1 && strcmp(argv[1], "dump") == 0;
	int mkch = argc > 1 && strcmp(argv[1], "make-challenge") == 0;

	if (dump) {
		parse_args(argc - 1, argv + 1, a);
		if (argc - 1 - optind != 1)
			opt_usage_error(usage_text, "dump takes one playlists.bin file");
		a->cmd = CMD_DUMP;
		a->argc = 1;
		a->argv = argv + 1 + optind;
		return;
	}
	if (stats || mkch) {
		argc--;
		argv++;
	}
	parse_args(argc, argv, a);
	argc -= optind;
	argv += optind;
	a->argc = argc;
	a->argv = argv;
	if (argc == 0)
		opt_usage_error(usage_text, "no input: give MPD slice files or folders");
	if (mkch) {
		if (a->outdir == NULL)
			opt_usage_error(usage_text, "make-challenge: -o DIR is required");
		if (a->limit_set || a->min_count != 1 || a->histograms || a->challenge)
			opt_usage_error(usage_text, "make-challenge takes -o, --per-category, --seed, "
			                "--min-holdouts, --strict, -j and -q only");
		a->cmd = CMD_MKCH;
		return;
	}
	if (a->mkch_set)
		opt_usage_error(usage_text, "--per-category, --seed, --min-holdouts and --strict "
		                "belong to 'mpd-parse make-challenge'");
	if (stats) {
		if (a->outdir != NULL)
			opt_usage_error(usage_text, "stats writes to stdout; -o is not used");
		if (a->challenge != NULL)
			opt_usage_error(usage_text, "--challenge belongs to the parse, not to stats");
		a->cmd = CMD_STATS;
		return;
	}
	if (a->outdir == NULL)
		opt_usage_error(usage_text, "-o OUTDIR is required");
	if (a->histograms != NULL)
		opt_usage_error(usage_text, "--histograms belongs to 'mpd-parse stats'");
	a->cmd = CMD_PARSE;
}

int main(int argc, char **argv)
{
	struct args a;
	struct slices f = { 0 };
	struct mpd_store st;
	struct dataset ds;
	char err[1024];
	struct challenge ch;

	msg_init(argv[0]);
	parse_command(argc, argv, &a);
	argc = a.argc;
	argv = a.argv;
	if (a.cmd == CMD_DUMP) {
		run_dump(argv[0]);
		if (fflush(stdout) != 0 || ferror(stdout))
			die(EXIT_WORK, "stdout");
		return EXIT_OK;
	}
	if (a.cmd == CMD_MKCH)
		return run_make_challenge(argc, argv, &a);
	if (a.cmd == CMD_STATS) {
		if (run_stats(argc, argv, &a) != 0 || fflush(stdout) != 0 || ferror(stdout))
			die(EXIT_WORK, "stdout");
		return EXIT_OK;
	}

	int make_dir;
	if (store_check_outdir(a.outdir, &make_dir, err, sizeof err) != 0)
		diex(EXIT_WORK, "%s", err);
	for (int i = 0; i < argc; i++)
		slices_collect(&f, argv[i]);
	store_init(&st, a.limit, 0);
	read_all(&f, &st, a.quiet, a.threads);
	if (a.challenge != NULL) {
		if (challenge_read(a.challenge, &ch, err, sizeof err) != 0)
			diex(EXIT_WORK, "%s", err);
		slices_add(&f, a.challenge);     /* names it in duplicate-pid messages */
		st.cur_file = (uint32_t)(f.n - 1);
		store_add_challenge(&st, &ch);
	}
	if (store_finish(&st, a.min_count, (const char *const *)f.v, &ds, err, sizeof err) != 0)
		diex(EXIT_WORK, "%s", err);
	if (ds.n_playlists == 0)
		diex(EXIT_WORK, "no playlists left to write (check --limit and --min-count)");
	if (store_write(&st, &ds, a.outdir, make_dir, err, sizeof err) != 0)
		diex(EXIT_WORK, "%s", err);
	if (!a.quiet)
		fprintf(stderr, "%s: %llu playlists, %llu tracks, %llu playlist-track pairs -> %s"
		        " (dropped by --min-count: %llu tracks, %llu playlists)\n", msg_prog,
		        (unsigned long long)ds.n_playlists, (unsigned long long)ds.n_tracks,
		        (unsigned long long)ds.n_entries, a.outdir,
		        (unsigned long long)ds.dropped_tracks, (unsigned long long)ds.dropped_playlists);
	if (a.challenge != NULL && !a.quiet)
		fprintf(stderr, "%s: %zu challenge playlists from %s (listed in %s/challenge.tsv)\n",
		        msg_prog, ch.n, a.challenge, a.outdir);
	if (a.challenge != NULL)
		challenge_free(&ch);
	dataset_free(&ds);
	store_free(&st);
	slices_free(&f);
	return EXIT_OK;
}
