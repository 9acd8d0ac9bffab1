/* wav2mel — audio files to log-mel spectrograms (.mel), as librosa computes
 * them for DCUE.  See docs/wav2mel.md.
 *
 *   wav2mel [options] IN OUT.mel
 *   wav2mel --batch -o OUTDIR [--delete-input] [options] < id<TAB>path lines
 *
 * Decoding is ffmpeg's (decode.c), the spectrogram is melspec.c's; this file
 * is the command line, the batch loop and the output files. */
#define _GNU_SOURCE
#include "decode.h"
#include "melspec.h"

#include "atomic.h"
#include "ids.h"
#include "melfile.h"
#include "msg.h"
#include "opts.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage[] =
	"usage: wav2mel [options] IN OUT.mel\n"
	"       wav2mel --batch -o OUTDIR [--delete-input] [options] < LIST\n"
	"\n"
	"Writes the log-mel spectrogram of the audio file IN ('-' = stdin) to OUT.mel,\n"
	"or, with --batch, of every 'id<TAB>path' line of LIST to OUTDIR/id.mel.\n"
	"\n"
	"  -e, --encoding u8|f32    stored values: u8 (default, 256 levels) or f32\n"
	"  -p, --pad constant|reflect  centre padding (default constant, librosa >= 0.10)\n"
	"  -r, --sample-rate HZ     decoding rate (default 22050)\n"
	"  -n, --n-fft N            FFT and window length, even (default 1024)\n"
	"  -H, --hop N              frame step in samples (default 512)\n"
	"  -m, --mels M             mel bands (default 128)\n"
	"      --log1p              log10(1 + 10 mel|STFT|) instead of dB\n"
	"      --allow-silent       write silent input as all -80 dB (flagged) instead of failing\n"
	"      --resampler soxr|swr ffmpeg's resampler (default soxr, as librosa)\n"
	"      --ffmpeg PROG        the ffmpeg program (default $FFMPEG or ffmpeg)\n"
	"  -b, --batch              read 'id<TAB>path' lines on stdin\n"
	"  -o, --output-dir DIR     batch: where id.mel files go (created if needed)\n"
	"  -g, --group N            batch: files per ffmpeg process (default 16)\n"
	"  -j, --jobs N             batch: ffmpeg processes at a time (default: one\n"
	"                           per core, at most 4)\n"
	"      --wait SECONDS       batch: decode a partial group after this long\n"
	"                           without input (default 2)\n"
	"      --delete-input       batch: remove each input once its .mel is in place\n"
	"  -h, --help               this text\n"
	"      --version            the version\n"
	"\n"
	"Batch mode prints 'id<TAB>OUTDIR/id.mel' on stdout for every file written.\n"
	"Exit status: 0 success, 1 some input failed, 2 usage error.\n";

enum { OPT_LOG1P = 0x2000, OPT_SILENT, OPT_RESAMPLER, OPT_FFMPEG, OPT_WAIT, OPT_DELETE };

static const struct option long_opts[] = {
	{"encoding", required_argument, NULL, 'e'},
	{"pad", required_argument, NULL, 'p'},
	{"sample-rate", required_argument, NULL, 'r'},
	{"n-fft", required_argument, NULL, 'n'},
	{"hop", required_argument, NULL, 'H'},
	{"mels", required_argument, NULL, 'm'},
	{"log1p", no_argument, NULL, OPT_LOG1P},
	{"allow-silent", no_argument, NULL, OPT_SILENT},
	{"resampler", required_argument, NULL, OPT_RESAMPLER},
	{"ffmpeg", required_argument, NULL, OPT_FFMPEG},
	{"batch", no_argument, NULL, 'b'},
	{"output-dir", required_argument, NULL, 'o'},
	{"group", required_argument, NULL, 'g'},
	{"jobs", required_argument, NULL, 'j'},
	{"wait", required_argument, NULL, OPT_WAIT},
	{"delete-input", no_argument, NULL, OPT_DELETE},
	{"help", no_argument, NULL, OPT_HELP},
	{"version", no_argument, NULL, OPT_VERSION},
	{NULL, 0, NULL, 0},
};

struct job {
	char *id;              /* batch only */
	char *in;              /* audio path, "-" = stdin */
	char *out;             /* .mel path */
};

/* What every lane shares; read-only once the lanes run, except the
 * counters and the queue, which are under mu. */
struct ctx {
	struct wav2mel_decoder dec;
	uint32_t dtype;        /* BIN_U8 or BIN_F32 */
	int log1p, allow_silent, delete_input, batch;
	pthread_mutex_t mu;
	unsigned long done, failed;
	/* the one-slot queue from the reader to the lanes */
	pthread_cond_t more, taken;
	struct job **pending;  /* [npending], NULL when the slot is free */
	size_t npending;
	int closed;
};

/* One input's spectrogram, computed while ffmpeg is still exiting and
 * written once its status says the decoding was sound. */
struct result {
	int ok;                /* 1 to write, 0 failed, -1 not computed */
	char why[600];         /* what to report about it, "" when nothing */
	struct mel_meta meta;
	uint64_t T, M;
	float *mel;            /* [T][M], kept from file to file */
	size_t cap;            /* floats */
};

/* One decoding lane: its own ffmpeg at a time, its own buffers and FFT
 * plan.  With --jobs 2 on two cores one lane decodes while the other
 * computes and writes. */
struct lane {
	struct ctx *c;
	struct melspec ms;
	struct wav2mel_samples *bufs;  /* [group] decoded audio, reused */
	struct result *res;    /* [group] spectrograms awaiting ffmpeg's exit status */
	pthread_t thread;
};

/* Messages from several lanes must not interleave: stdio's lock on stderr
 * is recursive, so holding it makes warnx's several writes one line. */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	flockfile(stderr);
	vwarnx(fmt, ap);
	funlockfile(stderr);
	va_end(ap);
}

static void count(struct ctx *c, int ok)
{
	pthread_mutex_lock(&c->mu);
	if (ok)
		c->done++;
	else
		c->failed++;
	pthread_mutex_unlock(&c->mu);
}

/* ffmpeg's messages span lines; fold them into one, "; " between. */
static const char *one_line(const char *in, char *out, size_t cap)
{
	size_t k = 0;

	for (const char *p = in; *p && k + 3 < cap; p++) {
		if (*p == '\r')
			continue;
		if (*p == '\n') {
			if (p[1] != '\0') {
				out[k++] = ';';
				out[k++] = ' ';
			}
		} else {
			out[k++] = *p;
		}
	}
	out[k] = '\0';
	return out;
}

/* The errors worth catching before ffmpeg does: a clearer message, and in
 * batch mode one bad file does not fail a whole group. */
static int precheck(const char *in)
{
	struct stat st;

	if (strcmp(in, "-") == 0)
		return 0;
	if (stat(in, &st) != 0) {
		say("%s: %s", in, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		say("%s: is a directory", in);
		return -1;
	}
	if (S_ISREG(st.st_mode) && st.st_size == 0) {
		say("%s: empty file", in);
		return -1;
	}
	return 0;
}

/* Spectrogram of one decoded input into r.  Messages wait in r->why until
 * ffmpeg's status says they stand (a failed group is retried, and must
 * not report twice). */
static int compute(struct lane *L, const struct job *job, const struct wav2mel_samples *s,
                   struct result *r)
{
	const struct ctx *c = L->c;
	const struct melspec_config *cfg = &L->ms.cfg;
	struct mel_meta *meta = &r->meta;
	int silent;

	r->ok = 0;
	r->why[0] = '\0';
	if (s->n == 0) {
		snprintf(r->why, sizeof r->why, "%s: no audio decoded", job->in);
		return -1;
	}
	r->T = melspec_n_frames(&L->ms, s->n);
	r->M = (uint64_t)cfg->n_mels;
	if (r->T * r->M > r->cap) {
		free(r->mel);
		r->cap = r->T * r->M + r->T * r->M / 4;
		r->mel = xmalloc(r->cap * sizeof *r->mel);
	}
	memset(meta, 0, sizeof *meta);
	meta->sample_rate = (uint32_t)cfg->sample_rate;
	meta->n_fft = (uint32_t)cfg->n_fft;
	meta->hop = (uint32_t)cfg->hop;
	meta->pad = (uint32_t)cfg->pad;
	melspec_compute(&L->ms, s->x, s->n, c->log1p ? 1 : 2, r->mel);
	if (c->log1p) {
		float mx = melspec_log1p(r->mel, r->T * r->M);
		meta->scale = MEL_SCALE_LOG1P;
		meta->vmin = 0.0f;
		meta->vmax = mx > 0.0f ? mx : 1.0f;
		silent = !(mx > 0.0f);
	} else {
		meta->scale = MEL_SCALE_DB;
		meta->vmin = -80.0f;
		meta->vmax = 0.0f;
		silent = melspec_power_to_db(r->mel, r->T * r->M, 1e-10, 80.0);
	}
	if (silent) {
		if (!c->allow_silent) {
			snprintf(r->why, sizeof r->why, "%s: silent input (no signal in any frame); "
			         "no .mel written (--allow-silent writes one)", job->in);
			return -1;
		}
		snprintf(r->why, sizeof r->why, "%s: silent input; writing every cell at %g, "
		         "flagged silent", job->in, (double)meta->vmin);
		meta->flags |= MEL_FLAG_SILENT;
	}
	r->ok = 1;
	return 0;
}

/* atomic.c keeps a process-wide list of live temporary files: one writer
 * at a time. */
static pthread_mutex_t write_mu = PTHREAD_MUTEX_INITIALIZER;

static int write_result(struct lane *L, const struct job *job, const struct result *r)
{
	int rc;

	pthread_mutex_lock(&write_mu);
	rc = mel_write(job->out, &r->meta, L->c->dtype, r->T, r->M, r->mel);
	if (rc != 0)
		say("%s: cannot write: %s", job->out, strerror(errno));
	pthread_mutex_unlock(&write_mu);
	return rc;
}

static void succeeded(struct ctx *c, const struct job *job)
{
	count(c, 1);
	if (!c->batch)
		return;
	if (c->delete_input && unlink(job->in) != 0)
		say("%s: cannot delete: %s", job->in, strerror(errno));
	flockfile(stdout);
	printf("%s\t%s\n", job->id, job->out);
	int bad = fflush(stdout) != 0;
	funlockfile(stdout);
	if (bad)
		die(EXIT_WORK, "stdout");
}

/* 1 when ffmpeg's diagnostics name this input ("file:PATH: ..." at the
 * start of a line): that input is the one that broke the group. */
static int names_input(const char *err, const char *in)
{
	size_t len = strlen(in);

	for (const char *p = err; p && *p; ) {
		if (strncmp(p, "file:", 5) == 0 && strncmp(p + 5, in, len) == 0 &&
		    strncmp(p + 5 + len, ": ", 2) == 0)
			return 1;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return 0;
}

/* Decodes a group with one ffmpeg.  When ffmpeg fails, the inputs its
 * messages name are reported and the rest retried together; when it names
 * none, the group is split in halves, so each bad file is found and reported
 * alone while the good ones still share ffmpeg start-ups. */
static void run_jobs(struct lane *L, struct job **jobs, size_t k)
{
	struct ctx *c = L->c;
	const char **paths = xmalloc(k * sizeof *paths);
	char err[4096];
	int rc;

	for (size_t i = 0; i < k; i++)
		paths[i] = jobs[i]->in;
	/* the spectrograms are computed between the last byte and ffmpeg's
	 * exit (a few hundred ms for a large group), then kept or dropped */
	struct wav2mel_proc proc;
	rc = wav2mel_decode_start(&proc, &c->dec, paths, k, L->bufs, err, sizeof err);
	free(paths);
	if (rc == DECODE_NO_FFMPEG)
		diex(EXIT_WORK, "%s", err);
	if (rc == DECODE_OK) {
		wav2mel_decode_drain(&proc);
		for (size_t i = 0; i < k; i++) {
			/* out[i].n is set by finish; the byte counts are final now */
			L->bufs[i].n = proc.bytes[i] / sizeof(float);
			L->res[i].ok = -1;       /* not computed yet */
		}
		if (!proc.failed)
			for (size_t i = 0; i < k; i++)
				compute(L, jobs[i], &L->bufs[i], &L->res[i]);
		rc = wav2mel_decode_finish(&proc);
	}
	if (rc == DECODE_OK) {
		for (size_t i = 0; i < k; i++) {
			if (L->res[i].ok == -1)
				compute(L, jobs[i], &L->bufs[i], &L->res[i]);
			if (L->res[i].why[0])
				say("%s", L->res[i].why);
			if (L->res[i].ok == 1 && write_result(L, jobs[i], &L->res[i]) == 0)
				succeeded(c, jobs[i]);
			else
				count(c, 0);
		}
		return;
	}
	if (k == 1) {
		char line[sizeof err + 512];
		say("%s: cannot decode: %s", jobs[0]->in, one_line(err, line, sizeof line));
		count(c, 0);
		return;
	}
	struct job **rest = xmalloc(k * sizeof *rest);
	size_t nrest = 0;
	for (size_t i = 0; i < k; i++)
		if (names_input(err, jobs[i]->in))
			rest[nrest++] = jobs[i];
	if (nrest > 0 && nrest < k) {
		for (size_t i = 0; i < nrest; i++)   /* confirm each alone: exact message */
			run_jobs(L, &rest[i], 1);
		nrest = 0;
		for (size_t i = 0; i < k; i++)
			if (!names_input(err, jobs[i]->in))
				rest[nrest++] = jobs[i];
		run_jobs(L, rest, nrest);
	} else {
		run_jobs(L, jobs, k / 2);
		run_jobs(L, jobs + k / 2, k - k / 2);
	}
	free(rest);
}

/* --- batch input: lines on stdin, read with a timeout ------------------- */

struct line_reader {
	char buf[1 << 16];
	size_t start, end;
	int eof;
	unsigned long lineno;
};

/* 1: a line in *line; 0: end of input; -1: nothing arrived within
 * timeout_ms (negative = wait forever). */
static int next_line(struct line_reader *lr, int timeout_ms, char **line)
{
	for (;;) {
		char *nl = memchr(lr->buf + lr->start, '\n', lr->end - lr->start);
		if (nl != NULL || (lr->eof && lr->start < lr->end)) {
			char *s = lr->buf + lr->start;
			if (nl == NULL) {               /* last line without '\n' */
				nl = lr->buf + lr->end;
				lr->end++;              /* room kept by the read below */
			}
			*nl = '\0';
			lr->start = (size_t)(nl - lr->buf) + 1;
			lr->lineno++;
			*line = s;
			return 1;
		}
		if (lr->eof)
			return 0;
		memmove(lr->buf, lr->buf + lr->start, lr->end - lr->start);
		lr->end -= lr->start;
		lr->start = 0;
		if (lr->end + 1 >= sizeof lr->buf)
			diex(EXIT_WORK, "stdin: line %lu: longer than %zu bytes", lr->lineno + 1,
			     sizeof lr->buf - 2);
		if (timeout_ms >= 0) {
			struct pollfd p = {.fd = 0, .events = POLLIN};
			int r = poll(&p, 1, timeout_ms);
			if (r == 0)
				return -1;
			if (r < 0 && errno != EINTR)
				die(EXIT_WORK, "stdin");
			if (r < 0)
				continue;
		}
		ssize_t got = read(0, lr->buf + lr->end, sizeof lr->buf - 1 - lr->end);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			die(EXIT_WORK, "stdin");
		if (got == 0)
			lr->eof = 1;
		lr->end += (size_t)(got > 0 ? got : 0);
	}
}

/* A job from "id<TAB>path[<TAB>...]"; NULL (reported) when the line is bad. */
static struct job *parse_line(char *line, unsigned long lineno, const char *outdir)
{
	char *tab = strchr(line, '\t'), *path, *end;
	struct job *job;
	char out[PATH_MAX];

	if (tab == NULL) {
		say("stdin: line %lu: expected 'id<TAB>path'", lineno);
		return NULL;
	}
	*tab = '\0';
	path = tab + 1;
	if ((end = strchr(path, '\t')) != NULL)
		*end = '\0';
	if (!name_is_safe(line)) {
		say("stdin: line %lu: id '%s' is not a safe file name", lineno, line);
		return NULL;
	}
	if (*path == '\0' || strcmp(path, "-") == 0) {
		say("stdin: line %lu: %s: no input path", lineno, line);
		return NULL;
	}
	if (precheck(path) != 0)
		return NULL;
	path_join_id(out, sizeof out, outdir, line, ".mel");
	job = xmalloc(sizeof *job);
	job->id = xstrdup(line);
	job->in = xstrdup(path);
	job->out = xstrdup(out);
	return job;
}

static void free_jobs(struct job **jobs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(jobs[i]->id);
		free(jobs[i]->in);
		free(jobs[i]->out);
		free(jobs[i]);
	}
}

/* Hands a group to the next free lane (waits while all are busy). */
static void enqueue(struct ctx *c, struct job **jobs, size_t k)
{
	pthread_mutex_lock(&c->mu);
	while (c->pending != NULL)
		pthread_cond_wait(&c->taken, &c->mu);
	c->pending = jobs;
	c->npending = k;
	pthread_cond_signal(&c->more);
	pthread_mutex_unlock(&c->mu);
}

static void *lane_main(void *arg)
{
	struct lane *L = arg;
	struct ctx *c = L->c;

	for (;;) {
		pthread_mutex_lock(&c->mu);
		while (c->pending == NULL && !c->closed)
			pthread_cond_wait(&c->more, &c->mu);
		struct job **jobs = c->pending;
		size_t k = c->npending;
		c->pending = NULL;
		pthread_cond_signal(&c->taken);
		pthread_mutex_unlock(&c->mu);
		if (jobs == NULL)
			return NULL;          /* closed and drained */
		run_jobs(L, jobs, k);
		free_jobs(jobs, k);
		free(jobs);
	}
}

static void batch(struct ctx *c, struct lane *lanes, int nlanes, const char *outdir,
                  size_t group, int wait_ms)
{
	static struct line_reader lr;
	struct job **jobs = xmalloc(group * sizeof *jobs);
	size_t k = 0;
	char *line;
	int r;

	if (mkdir_p(outdir) != 0)
		die(EXIT_WORK, "%s", outdir);
	for (int i = 0; i < nlanes; i++)
		if ((errno = pthread_create(&lanes[i].thread, NULL, lane_main, &lanes[i])) != 0)
			die(EXIT_WORK, "cannot start a thread");
	while ((r = next_line(&lr, k ? wait_ms : -1, &line)) != 0) {
		if (r == 1) {
			line[strcspn(line, "\r")] = '\0';
			if (line[0] == '\0' || line[0] == '#')
				continue;
			struct job *job = parse_line(line, lr.lineno, outdir);
			if (job == NULL) {
				count(c, 0);
				continue;
			}
			jobs[k++] = job;
		}
		if (k == group || (r == -1 && k > 0)) {
			enqueue(c, jobs, k);
			jobs = xmalloc(group * sizeof *jobs);
			k = 0;
		}
	}
	if (k > 0)
		enqueue(c, jobs, k);
	else
		free(jobs);
	pthread_mutex_lock(&c->mu);
	c->closed = 1;
	pthread_cond_broadcast(&c->more);
	pthread_mutex_unlock(&c->mu);
	for (int i = 0; i < nlanes; i++)
		pthread_join(lanes[i].thread, NULL);
	if (c->failed)
		warnx("%lu converted, %lu failed", c->done, c->failed);
}

static void lane_init(struct lane *L, struct ctx *c, const struct melspec_config *cfg,
                      size_t group)
{
	char err[256];

	memset(L, 0, sizeof *L);
	L->c = c;
	if (melspec_init(&L->ms, cfg, err, sizeof err) != 0)
		diex(EXIT_USAGE, "%s", err);
	L->bufs = xcalloc(group, sizeof *L->bufs);
	L->res = xcalloc(group, sizeof *L->res);
}

static void lane_free(struct lane *L, size_t group)
{
	for (size_t i = 0; i < group; i++)
		wav2mel_samples_free(&L->bufs[i]);
	free(L->bufs);
	for (size_t i = 0; i < group; i++)
		free(L->res[i].mel);
	free(L->res);
	melspec_free(&L->ms);
}

int main(int argc, char **argv)
{
	static const char *const encodings[] = {"u8", "f32", NULL};
	static const char *const pads[] = {"constant", "reflect", NULL};
	static const char *const resamplers[] = {"soxr", "swr", NULL};
	struct melspec_config cfg;
	struct ctx c;
	const char *outdir = NULL;
	long long group = 16, jobs = sysconf(_SC_NPROCESSORS_ONLN);   /* capped below */
	double wait_s = 2.0;
	char err[256];
	int ch;

	msg_init(argv[0]);
	memset(&c, 0, sizeof c);
	pthread_mutex_init(&c.mu, NULL);
	pthread_cond_init(&c.more, NULL);
	pthread_cond_init(&c.taken, NULL);
	melspec_config_default(&cfg);
	c.dtype = BIN_U8;
	c.dec.ffmpeg = getenv("FFMPEG") && *getenv("FFMPEG") ? getenv("FFMPEG") : "ffmpeg";
	c.dec.soxr = 1;
	/* one lane per core, at most 4: each holds a group's samples (~3 MB a
	 * preview) and ffmpeg decodes on one core */
	jobs = jobs < 1 ? 1 : jobs > 4 ? 4 : jobs;
	while ((ch = getopt_long(argc, argv, "e:p:r:n:H:m:bo:g:j:h", long_opts, NULL)) != -1) {
		switch (ch) {
		case 'e': c.dtype = opt_choice("--encoding", optarg, encodings) ? BIN_F32 : BIN_U8; break;
		case 'p': cfg.pad = opt_choice("--pad", optarg, pads); break;
		case 'r': cfg.sample_rate = (int)opt_ll("--sample-rate", optarg, 1000, 384000); break;
		case 'n': cfg.n_fft = (int)opt_ll("--n-fft", optarg, 16, 65536); break;
		case 'H': cfg.hop = (int)opt_ll("--hop", optarg, 1, 65536); break;
		case 'm': cfg.n_mels = (int)opt_ll("--mels", optarg, 1, 4096); break;
		case OPT_LOG1P: c.log1p = 1; break;
		case OPT_SILENT: c.allow_silent = 1; break;
		case OPT_RESAMPLER: c.dec.soxr = opt_choice("--resampler", optarg, resamplers) == 0; break;
		case OPT_FFMPEG: c.dec.ffmpeg = optarg; break;
		case 'b': c.batch = 1; break;
		case 'o': outdir = optarg; break;
		case 'g': group = opt_ll("--group", optarg, 1, DECODE_MAX_GROUP); break;
		case 'j': jobs = opt_ll("--jobs", optarg, 1, 64); break;
		case OPT_WAIT: wait_s = opt_double("--wait", optarg, 0.0, 86400.0); break;
		case OPT_DELETE: c.delete_input = 1; break;
		case OPT_HELP: opt_help(usage);
		case OPT_VERSION: opt_version();
		default: opt_bad(usage);
		}
	}
	argc -= optind;
	argv += optind;
	if (c.batch) {
		if (argc != 0)
			opt_usage_error(usage, "--batch takes no operands (the list is read on stdin)");
		if (outdir == NULL)
			opt_usage_error(usage, "--batch needs -o OUTDIR");
	} else {
		if (argc != 2)
			opt_usage_error(usage, "expected IN and OUT.mel");
		if (outdir || c.delete_input)
			opt_usage_error(usage, "-o and --delete-input need --batch");
		if (strcmp(argv[1], "-") == 0)
			opt_usage_error(usage, "OUT.mel must be a file (its checksum is written last)");
	}
	if (cfg.n_fft % 2 != 0 || cfg.hop > cfg.n_fft)
		opt_usage_error(usage, "--n-fft must be even and --hop at most --n-fft");
	struct melspec probe;
	if (melspec_init(&probe, &cfg, err, sizeof err) != 0)
		opt_usage_error(usage, "%s", err);
	melspec_free(&probe);
	c.dec.sample_rate = cfg.sample_rate;

	/* FFTW's planner is not thread-safe: every plan is made here, before
	 * any lane starts; executing plans from several threads is safe. */
	int nlanes = c.batch ? (int)jobs : 1;
	size_t per_lane = c.batch ? (size_t)group : 1;
	struct lane *lanes = xcalloc((size_t)nlanes, sizeof *lanes);
	for (int i = 0; i < nlanes; i++)
		lane_init(&lanes[i], &c, &cfg, per_lane);
	if (c.batch) {
		batch(&c, lanes, nlanes, outdir, (size_t)group, (int)(wait_s * 1000.0));
	} else {
		struct job job = {.id = NULL, .in = argv[0], .out = argv[1]};
		struct job *jp = &job;
		if (precheck(job.in) != 0)
			c.failed++;
		else
			run_jobs(&lanes[0], &jp, 1);
	}
	for (int i = 0; i < nlanes; i++)
		lane_free(&lanes[i], per_lane);
	free(lanes);
	fftwf_cleanup();
	if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0)
		die(EXIT_WORK, "stdout");
	return c.failed ? EXIT_WORK : EXIT_OK;
}
