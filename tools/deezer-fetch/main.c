/* deezer-fetch — find each track's 30-second preview through Deezer's API
 * and cache it as CACHE/<id>.mp3 for wav2mel.
 *
 * Reads `track_id<TAB>artist<TAB>title[<TAB>…]` lines (tracks.tsv; '#'
 * lines skipped) from the files named or stdin; prints `track_id<TAB>path`
 * for every track whose preview is in the cache, flushed line by line so
 * `| wav2mel --batch` converts while fetching goes on.  API requests keep to
 * a budget shared through the state folder (ratelimit.h); failures are
 * appended to a failures file (failures.h) and skipped or retried by later
 * runs.  See docs/deezer-fetch.md. */
#define _GNU_SOURCE
#include "atomic.h"
#include "failures.h"
#include "fetch.h"
#include "ids.h"
#include "msg.h"
#include "opts.h"
#include "progress.h"
#include "ratelimit.h"
#include "tsv.h"

#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

static const char usage[] =
	"usage: deezer-fetch [--api URL] [--cache DIR] [--state DIR] [--skip-existing DIR]\n"
	"                    [--failures FILE] [--rate N/SECONDS|none] [--retry-failed]\n"
	"                    [--retries N] [--backoff SECONDS] [--max-retry-time SECONDS]\n"
	"                    [--timeout SECONDS] [--connect-timeout SECONDS]\n"
	"                    [--max-json BYTES] [--max-mp3 BYTES] [--no-keepalive]\n"
	"                    [--shard I/K [--list]] [FILE...]\n"
	"\n"
	"Reads track_id<TAB>artist<TAB>title lines (FILE or stdin), finds each track's\n"
	"preview through Deezer's API, caches it as CACHE/<id>.mp3 and prints\n"
	"track_id<TAB>CACHE/<id>.mp3 for every cached track.\n"
	"\n"
	"  --api URL              API base URL (default $DEEZER_API or https://api.deezer.com)\n"
	"  -c, --cache DIR        where previews are cached (default: cache)\n"
	"  --state DIR            rate-limit state shared by parallel runs (default: CACHE)\n"
	"  --skip-existing DIR    skip tracks whose DIR/<id>.mel exists\n"
	"  --failures FILE        failures log (default: CACHE/failures.tsv)\n"
	"  --rate N/SECONDS       API budget: N requests per SECONDS (default 50/5); none: no budget\n"
	"  --retry-failed         also retry tracks listed as not_found, no_preview, too_large\n"
	"  --retries N            retries per request after transient faults (default 5)\n"
	"  --backoff SECONDS      first backoff, doubled per retry (default 1)\n"
	"  --max-retry-time S     cap on the time one request spends retrying (default 120)\n"
	"  --timeout SECONDS      total time per HTTP transfer (default 30)\n"
	"  --connect-timeout S    connection time per HTTP transfer (default 10)\n"
	"  --max-json BYTES       cap on a search response (default 1048576)\n"
	"  --max-mp3 BYTES        cap on a preview (default 4194304)\n"
	"  --no-keepalive         a new connection per request (for benchmarks)\n"
	"  --shard I/K            only the tracks of share I of K (0 <= I < K): those whose\n"
	"                         id has crc32(id) mod K = I; K hosts fetch every track once\n"
	"  --list                 with --shard: print the share's input lines, fetch nothing\n"
	"  -h, --help             this text\n"
	"  --version              the version\n";

enum {
	OPT_API = 0x2000, OPT_STATE, OPT_SKIP, OPT_FAILURES, OPT_RATE, OPT_RETRY_FAILED,
	OPT_RETRIES, OPT_BACKOFF, OPT_MAX_RETRY_TIME, OPT_TIMEOUT, OPT_CONNECT_TIMEOUT,
	OPT_MAX_JSON, OPT_MAX_MP3, OPT_NO_KEEPALIVE
};
enum { OPT_SHARD = 0x2100, OPT_LIST };

static const struct option longopts[] = {
	{ "api", required_argument, NULL, OPT_API },
	{ "cache", required_argument, NULL, 'c' },
	{ "state", required_argument, NULL, OPT_STATE },
	{ "skip-existing", required_argument, NULL, OPT_SKIP },
	{ "failures", required_argument, NULL, OPT_FAILURES },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "retry-failed", no_argument, NULL, OPT_RETRY_FAILED },
	{ "retries", required_argument, NULL, OPT_RETRIES },
	{ "backoff", required_argument, NULL, OPT_BACKOFF },
	{ "max-retry-time", required_argument, NULL, OPT_MAX_RETRY_TIME },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT },
	{ "max-json", required_argument, NULL, OPT_MAX_JSON },
	{ "max-mp3", required_argument, NULL, OPT_MAX_MP3 },
	{ "no-keepalive", no_argument, NULL, OPT_NO_KEEPALIVE },
	{ "shard", required_argument, NULL, OPT_SHARD },
	{ "list", no_argument, NULL, OPT_LIST },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

#ifndef MAX_LINE                /* fuzz_fetch_input sets a small one */
#define MAX_LINE (64 * 1024)
#endif

/* One input track. */
struct track {
	char id[TRACK_ID_LEN + 1];  /* "" when the input id was invalid */
	char *raw_id;               /* the input's id field (for messages) */
	char *artist, *title;
	const char *file;
	unsigned long line;
	char prev[16];              /* reason of its last listed failure, "" if none */
	int dup;                    /* a repeat of an earlier line's id */
};

struct input {
	struct track *t;            /* [n] */
	size_t n, cap;
	uint32_t *slot;             /* [nslots] open-addressing table of index+1 */
	size_t nslots;
	unsigned long errors;       /* malformed lines */
	uint32_t shard_i, shard_k;  /* keep lines with crc32(id) % k == i; k = 0: all */
	int list;                   /* print the kept lines instead of keeping them */
	unsigned long others;       /* lines of other shards */
};

/* The share of a track id (the input's id field, as written): zlib's
 * crc32 of its bytes modulo K.  Documented in docs/deezer-fetch.md: any
 * tool can compute it (Python: zlib.crc32(id.encode()) % K). */
static uint32_t shard_of(const char *id, uint32_t k)
{
	return (uint32_t)(crc32(crc32(0, Z_NULL, 0), (const Bytef *)id, (uInt)strlen(id)) % k);
}

/* "I/K" with 0 <= I < K <= 2^20, digits only; -1 when malformed. */
static int parse_shard(const char *s, uint32_t *i, uint32_t *k)
{
	unsigned long a, b;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	a = strtoul(s, &end, 10);
	if (errno != 0 || *end != '/' || end[1] < '0' || end[1] > '9')
		return -1;
	b = strtoul(end + 1, &end, 10);
	if (errno != 0 || *end != '\0' || b == 0 || b > (1ul << 20) || a >= b)
		return -1;
	*i = (uint32_t)a;
	*k = (uint32_t)b;
	return 0;
}

static uint64_t hash_id(const char *id)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *id; id++)
		h = (h ^ (unsigned char)*id) * 1099511628211ULL;
	return h;
}

static struct track *input_find(struct input *in, const char *id)
{
	size_t mask = in->nslots - 1;

	for (size_t i = hash_id(id) & mask; in->slot[i]; i = (i + 1) & mask)
		if (strcmp(in->t[in->slot[i] - 1].id, id) == 0)
			return &in->t[in->slot[i] - 1];
	return NULL;
}

static void input_index(struct input *in)
{
	in->nslots = 16;
	while (in->nslots < 2 * in->n)
		in->nslots *= 2;
	in->slot = xcalloc(in->nslots, sizeof *in->slot);
	for (size_t k = 0; k < in->n; k++) {
		struct track *t = &in->t[k];
		size_t mask = in->nslots - 1, i;
		if (t->id[0] == '\0')
			continue;
		if (input_find(in, t->id) != NULL) {
			t->dup = 1;
			continue;
		}
		for (i = hash_id(t->id) & mask; in->slot[i]; i = (i + 1) & mask)
			;
		in->slot[i] = (uint32_t)(k + 1);
	}
}

static void read_input(struct input *in, const char *name, FILE *fp)
{
	struct tsv_reader r;
	unsigned long toolong;
	int got;

	tsv_reader_init(&r, fp, MAX_LINE);
	while ((got = tsv_getline(&r, &toolong)) > 0) {
		char *f[4];
		if (got == 2) {
			warnx("%s:%lu: expected a line of at most %d bytes, found a longer one; "
			      "line skipped", name, toolong, MAX_LINE);
			in->errors++;
			continue;
		}
		if (r.line[0] == '#' || r.line[strspn(r.line, " ")] == '\0')
			continue;
		if (in->shard_k > 0) {
			/* a line belongs to the share of its first field, malformed or
			 * not, so exactly one of the K runs sees (and reports) it */
			size_t len = strcspn(r.line, "\t");
			char saved = r.line[len];
			r.line[len] = '\0';
			uint32_t share = shard_of(r.line, in->shard_k);
			r.line[len] = saved;
			if (share != in->shard_i) {
				in->others++;
				continue;
			}
			if (in->list) {
				if (printf("%s\n", r.line) < 0)
					die(EXIT_WORK, "stdout");
				continue;
			}
		}
		int nf = tsv_split(r.line, f, 4);
		if (nf < 3) {
			warnx("%s:%lu: expected track_id<TAB>artist<TAB>title, found %d field%s; "
			      "line skipped", name, r.lineno, nf, nf == 1 ? "" : "s");
			in->errors++;
			continue;
		}
		if (in->n == in->cap) {
			in->cap = in->cap ? 2 * in->cap : 1024;
			in->t = xrealloc(in->t, in->cap * sizeof *in->t);
		}
		struct track *t = &in->t[in->n++];
		memset(t, 0, sizeof *t);
		if (track_id_valid(f[0]))
			memcpy(t->id, f[0], TRACK_ID_LEN + 1);
		t->raw_id = xstrdup(f[0]);
		t->artist = xstrdup(f[1]);
		t->title = xstrdup(f[2]);
		t->file = name;
		t->line = r.lineno;
	}
	if (got < 0)
		die(EXIT_WORK, "%s: cannot read", name);
	tsv_reader_free(&r);
}

static void on_failure(void *arg, const char *id, const char *reason, unsigned long lineno)
{
	struct input *in = arg;
	struct track *t;

	(void)lineno;
	if (track_id_valid(id) && (t = input_find(in, id)) != NULL)
		snprintf(t->prev, sizeof t->prev, "%s", reason);
}

/* What one run does, from the options. */
struct run {
	const char *cache, *state, *skip, *failures;
	int retry_failed, reuse;
	uint32_t shard_i, shard_k;  /* --shard I/K; k = 0: every track */
	int list;                   /* --list */
	uint32_t rate_n;
	double rate_s, timeout, connect_timeout;
	struct fetch_config cfg;
	char *failures_buf, *api_buf;
};

struct counts {
	uint64_t done, fetched, cached, skipped, listed, not_found, no_preview, failed, dup;
};

static int file_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
}

static void emit(const char *id, const char *path)
{
	/* One write per line: lines from parallel processes sharing a pipe
	 * stay whole (they are far below PIPE_BUF). */
	if (printf("%s\t%s\n", id, path) < 0 || fflush(stdout) != 0)
		die(EXIT_WORK, "stdout");
}

static void record_failure(const char *failures, const char *id, const char *reason,
                           const char *msg)
{
	if (failures_append(failures, id, reason, msg) != 0)
		die(EXIT_WORK, "%s: cannot write", failures);
}

/* Fills r from the command line, every value and combination checked; no
 * file is touched. */
static void parse_options(struct run *r, int argc, char **argv)
{
	const char *api = getenv("DEEZER_API");
	int c;

	memset(r, 0, sizeof *r);
	r->cache = "cache";
	r->reuse = 1;
	r->rate_n = 50;
	r->rate_s = 5;
	r->timeout = 30;
	r->connect_timeout = 10;
	r->cfg = (struct fetch_config){
		.retries = 5, .backoff = 1, .max_backoff = 30, .max_retry_time = 120,
		.max_json = 1 << 20, .max_mp3 = 4 << 20,
	};
	while ((c = getopt_long(argc, argv, "hc:", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_API: api = optarg; break;
		case 'c': r->cache = optarg; break;
		case OPT_STATE: r->state = optarg; break;
		case OPT_SKIP: r->skip = optarg; break;
		case OPT_FAILURES: r->failures = optarg; break;
		case OPT_RATE:
			if (ratelimit_parse(optarg, &r->rate_n, &r->rate_s) != 0)
				opt_usage_error(usage, "--rate: expected N/SECONDS (1 <= N <= %d) or none, "
				                "got '%s'", RATELIMIT_MAX_N, optarg);
			break;
		case OPT_RETRY_FAILED: r->retry_failed = 1; break;
		case OPT_RETRIES: r->cfg.retries = (int)opt_ll("--retries", optarg, 0, 100); break;
		case OPT_BACKOFF: r->cfg.backoff = opt_double("--backoff", optarg, 0, 3600); break;
		case OPT_MAX_RETRY_TIME:
			r->cfg.max_retry_time = opt_double("--max-retry-time", optarg, 0, 86400);
			break;
		case OPT_TIMEOUT: r->timeout = opt_double("--timeout", optarg, 0.01, 3600); break;
		case OPT_CONNECT_TIMEOUT:
			r->connect_timeout = opt_double("--connect-timeout", optarg, 0.01, 3600);
			break;
		case OPT_MAX_JSON:
			r->cfg.max_json = (size_t)opt_ll("--max-json", optarg, 1024, 1LL << 30);
			break;
		case OPT_MAX_MP3:
			r->cfg.max_mp3 = (size_t)opt_ll("--max-mp3", optarg, 1024, 1LL << 31);
			break;
		case OPT_NO_KEEPALIVE: r->reuse = 0; break;
		case OPT_SHARD:
			if (parse_shard(optarg, &r->shard_i, &r->shard_k) != 0)
				opt_usage_error(usage, "--shard: expected I/K with 0 <= I < K <= %lu, got '%s'",
				                1ul << 20, optarg);
			break;
		case OPT_LIST: r->list = 1; break;
		case OPT_HELP: opt_help(usage);
		case OPT_VERSION: opt_version();
		default: opt_bad(usage);
		}
	}

	if (r->list && r->shard_k == 0)
		opt_usage_error(usage, "--list needs --shard I/K");
	if (api == NULL || *api == '\0')
		api = "https://api.deezer.com";
	/* a scheme, then a host: "http://" alone would be cut to "http:" below */
	size_t scheme = strncmp(api, "http://", 7) == 0 ? 7 : strncmp(api, "https://", 8) == 0 ? 8 : 0;
	if (scheme == 0 || api[scheme] == '\0' || api[scheme] == '/')
		opt_usage_error(usage, "--api: expected an http:// or https:// URL, got '%s'", api);
	if (strlen(r->cache) > 2048)
		opt_usage_error(usage, "--cache: path too long");
	/* The cache path is printed in "id<TAB>path" lines for wav2mel. */
	if (strpbrk(r->cache, "\t\n\r") != NULL)
		opt_usage_error(usage, "--cache: a folder name with a tab or newline cannot be passed on");
	/* no usage error after this point: the two buffers are the caller's to free */
	r->api_buf = xstrdup(api);
	for (size_t len = strlen(r->api_buf); len > 0 && r->api_buf[len - 1] == '/'; len--)
		r->api_buf[len - 1] = '\0';
	r->cfg.api = r->api_buf;
	r->cfg.cache = r->cache;
	r->cfg.quota_wait = r->rate_n ? r->rate_s : 5;
	if (r->cfg.max_backoff > r->cfg.max_retry_time)
		r->cfg.max_backoff = r->cfg.max_retry_time;
	if (r->state == NULL)
		r->state = r->cache;
	if (r->failures == NULL) {
		size_t len = strlen(r->cache) + sizeof "/failures.tsv";
		r->failures_buf = xmalloc(len);
		snprintf(r->failures_buf, len, "%s/failures.tsv", r->cache);
		r->failures = r->failures_buf;
	}
}

/* Before any request: the cache takes new files, and the failures file can
 * be appended to (or created), so a read-only or full folder is reported
 * at once rather than after the first download. */
static void check_writable(const struct run *r)
{
	char probe[4200];

	snprintf(probe, sizeof probe, "%s/probe.mp3", r->cache);
	if (atomic_probe(probe) != 0)
		die(EXIT_WORK, "%s: cannot write", r->cache);
	if (access(r->failures, F_OK) == 0 ? access(r->failures, W_OK) != 0
	                                   : atomic_probe(r->failures) != 0)
		die(EXIT_WORK, "%s: cannot write", r->failures);
}

/* Reads every input before the first request: the total drives the
 * progress bar and the index lets the failures file be matched in one pass. */
static void read_inputs(struct input *in, int argc, char **argv)
{
	if (argc == 0)
		read_input(in, "stdin", stdin);
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-") == 0) {
			read_input(in, "stdin", stdin);
			continue;
		}
		FILE *fp = fopen(argv[i], "rb");
		if (fp == NULL)
			die(EXIT_WORK, "%s: cannot open", argv[i]);
		read_input(in, argv[i], fp);
		fclose(fp);
	}
	input_index(in);
}

static void input_free(struct input *in)
{
	for (size_t k = 0; k < in->n; k++) {
		free(in->t[k].raw_id);
		free(in->t[k].artist);
		free(in->t[k].title);
	}
	free(in->t);
	free(in->slot);
}

/* One track, from the checks that avoid any request to the fetch. */
static void process_track(const struct run *r, struct fetch_ctx *f, const struct track *t,
                          struct counts *n)
{
	char path[4096], mel[4096];
	struct fetch_outcome o;

	if (t->id[0] == '\0') {
		warnx("%s:%lu: invalid track id (not 22 base62 characters), skipped", t->file,
		      t->line);
		record_failure(r->failures, t->raw_id, "invalid_id",
		               "track id is not 22 base62 characters");
		n->failed++;
		return;
	}
	if (t->dup) {
		n->dup++;
		return;
	}
	if (r->skip != NULL) {
		path_join_id(mel, sizeof mel, r->skip, t->id, ".mel");
		if (file_exists(mel)) {
			n->skipped++;
			return;
		}
	}
	path_join_id(path, sizeof path, r->cache, t->id, ".mp3");
	if (file_exists(path)) {
		n->cached++;
		emit(t->id, path);
		return;
	}
	if (t->prev[0] && failures_permanent(t->prev) && !r->retry_failed) {
		n->listed++;
		return;
	}
	if (fetch_track(f, t->id, t->artist, t->title, path, &o) == FETCH_OK) {
		n->fetched++;
		emit(t->id, path);
		return;
	}
	record_failure(r->failures, t->id, o.reason, o.message);
	if (o.cls == FETCH_NOT_FOUND) {
		n->not_found++;
	} else if (o.cls == FETCH_NO_PREVIEW) {
		n->no_preview++;
	} else {
		n->failed++;
		warnx("%s: %s: %s", t->id, o.reason, o.message);
	}
}

static void print_summary(size_t tracks, const struct counts *n, const struct fetch_ctx *f,
                          double seconds)
{
	fprintf(stderr,
	        "%s: %zu tracks: %llu fetched, %llu cached, %llu skipped (.mel exists), "
	        "%llu skipped (listed failure), %llu not found, %llu no preview, %llu failed; "
	        "%llu API requests in %.1f s (%.2f/s), %llu previews, %llu connections, "
	        "%llu retries\n",
	        msg_prog, tracks, (unsigned long long)n->fetched, (unsigned long long)n->cached,
	        (unsigned long long)n->skipped, (unsigned long long)n->listed,
	        (unsigned long long)n->not_found, (unsigned long long)n->no_preview,
	        (unsigned long long)n->failed, (unsigned long long)f->st.api_requests, seconds,
	        seconds > 0 ? (double)f->st.api_requests / seconds : 0.0,
	        (unsigned long long)f->st.preview_requests, (unsigned long long)f->http.connects,
	        (unsigned long long)f->st.retries);
}

int main(int argc, char **argv)
{
	struct run r;
	struct input in = { 0 };
	struct ratelimit rl;
	struct fetch_ctx f;
	struct counts n = { 0 };
	struct progress prog;
	unsigned long bad = 0;
	double t0;

	msg_init(argv[0]);
	parse_options(&r, argc, argv);
	argc -= optind;
	argv += optind;

	in.shard_i = r.shard_i;
	in.shard_k = r.shard_k;
	in.list = r.list;
	read_inputs(&in, argc, argv);
	if (r.list) {
		if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0)
			die(EXIT_WORK, "stdout");
		input_free(&in);
		free(r.failures_buf);
		free(r.api_buf);
		return EXIT_OK;
	}
	if (r.shard_k > 0)
		warnx("shard %u/%u: %zu input lines of %lu", r.shard_i, r.shard_k,
		      in.n + in.errors, in.n + in.errors + in.others);
	if (mkdir_p(r.cache) != 0)
		die(EXIT_WORK, "%s: cannot create folder", r.cache);
	if (mkdir_p(r.state) != 0)
		die(EXIT_WORK, "%s: cannot create folder", r.state);
	check_writable(&r);
	if (failures_load(r.failures, on_failure, &in, &bad) != 0)
		die(EXIT_WORK, "%s: cannot read", r.failures);
	if (bad)
		warnx("%s: %lu malformed line%s ignored", r.failures, bad, bad == 1 ? "" : "s");
	if (ratelimit_open(&rl, r.state, r.rate_n, r.rate_s, r.timeout + 1) != 0)
		die(EXIT_WORK, "%s: cannot open", rl.path ? rl.path : r.state);
	/* The seed only jitters backoff delays; it differs per process so
	 * parallel processes do not retry in lockstep. */
	if (fetch_init(&f, &r.cfg, &rl, r.connect_timeout, r.timeout, r.reuse,
	               (uint64_t)getpid() ^ (uint64_t)time(NULL)) != 0)
		return EXIT_WORK;

	t0 = now_seconds();
	progress_init(&prog, "deezer-fetch", in.n);
	for (size_t k = 0; k < in.n; k++) {
		char extra[128];
		double el;

		process_track(&r, &f, &in.t[k], &n);
		n.done++;
		el = now_seconds() - t0;
		snprintf(extra, sizeof extra, "found %llu failed %llu api %.1f/s",
		         (unsigned long long)(n.fetched + n.cached),
		         (unsigned long long)(n.failed + n.not_found + n.no_preview),
		         el > 0 ? (double)f.st.api_requests / el : 0.0);
		progress_update(&prog, n.done, extra);
	}
	progress_end(&prog);
	print_summary(in.n, &n, &f, now_seconds() - t0);
	if (in.errors)
		warnx("%lu malformed input line%s", in.errors, in.errors == 1 ? "" : "s");

	fetch_free(&f);
	ratelimit_close(&rl);
	input_free(&in);
	free(r.failures_buf);
	free(r.api_buf);
	if (fclose(stdout) != 0)
		die(EXIT_WORK, "stdout");
	return (n.failed || in.errors) ? EXIT_WORK : EXIT_OK;
}
