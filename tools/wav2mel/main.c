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
	"  -g, --group N            batch: files per ffmpeg process (default 32)\n"
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

struct ctx {
	struct melspec ms;
	struct wav2mel_decoder dec;
	uint32_t dtype;        /* BIN_U8 or BIN_F32 */
	int log1p, allow_silent, delete_input, batch;
	struct wav2mel_samples *bufs;  /* [group] decoded audio, reused */
	float *mel;            /* [T][M] reused */
	size_t mel_cap;        /* floats */
	unsigned long done, failed;
};

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
		warn("%s", in);
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		warnx("%s: is a directory", in);
		return -1;
	}
	if (S_ISREG(st.st_mode) && st.st_size == 0) {
		warnx("%s: empty file", in);
		return -1;
	}
	return 0;
}

/* Spectrogram of one decoded input, written atomically to job->out. */
static int finish(struct ctx *c, const struct job *job, const struct wav2mel_samples *s)
{
	const struct melspec_config *cfg = &c->ms.cfg;
	struct mel_meta meta;
	int silent;

	if (s->n == 0) {
		warnx("%s: no audio decoded", job->in);
		return -1;
	}
	uint64_t T = melspec_n_frames(&c->ms, s->n), M = (uint64_t)cfg->n_mels;
	if (T * M > c->mel_cap) {
		free(c->mel);
		c->mel_cap = T * M + T * M / 4;
		c->mel = xmalloc(c->mel_cap * sizeof *c->mel);
	}
	memset(&meta, 0, sizeof meta);
	meta.sample_rate = (uint32_t)cfg->sample_rate;
	meta.n_fft = (uint32_t)cfg->n_fft;
	meta.hop = (uint32_t)cfg->hop;
	meta.pad = (uint32_t)cfg->pad;
	melspec_compute(&c->ms, s->x, s->n, c->log1p ? 1 : 2, c->mel);
	if (c->log1p) {
		float mx = melspec_log1p(c->mel, T * M);
		meta.scale = MEL_SCALE_LOG1P;
		meta.vmin = 0.0f;
		meta.vmax = mx > 0.0f ? mx : 1.0f;
		silent = !(mx > 0.0f);
	} else {
		meta.scale = MEL_SCALE_DB;
		meta.vmin = -80.0f;
		meta.vmax = 0.0f;
		silent = melspec_power_to_db(c->mel, T * M, 1e-10, 80.0);
	}
	if (silent) {
		if (!c->allow_silent) {
			warnx("%s: silent input (no signal in any frame); no .mel written "
			      "(--allow-silent writes one)", job->in);
			return -1;
		}
		warnx("%s: silent input; writing every cell at %g, flagged silent", job->in,
		      (double)meta.vmin);
		meta.flags |= MEL_FLAG_SILENT;
	}
	if (mel_write(job->out, &meta, c->dtype, T, M, c->mel) != 0) {
		warn("%s: cannot write", job->out);
		return -1;
	}
	return 0;
}

static void succeeded(struct ctx *c, const struct job *job)
{
	c->done++;
	if (!c->batch)
		return;
	if (c->delete_input && unlink(job->in) != 0)
		warn("%s: cannot delete", job->in);
	printf("%s\t%s\n", job->id, job->out);
	if (fflush(stdout) != 0)
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
static void run_jobs(struct ctx *c, struct job **jobs, size_t k)
{
	const char **paths = xmalloc(k * sizeof *paths);
	char err[4096];
	int rc;

	for (size_t i = 0; i < k; i++)
		paths[i] = jobs[i]->in;
	rc = wav2mel_decode(&c->dec, paths, k, c->bufs, err, sizeof err);
	free(paths);
	if (rc == DECODE_NO_FFMPEG)
		diex(EXIT_WORK, "%s", err);
	if (rc == DECODE_OK) {
		for (size_t i = 0; i < k; i++) {
			if (finish(c, jobs[i], &c->bufs[i]) == 0)
				succeeded(c, jobs[i]);
			else
				c->failed++;
		}
		return;
	}
	if (k == 1) {
		char line[sizeof err + 512];
		warnx("%s: cannot decode: %s", jobs[0]->in, one_line(err, line, sizeof line));
		c->failed++;
		return;
	}
	struct job **rest = xmalloc(k * sizeof *rest);
	size_t nrest = 0;
	for (size_t i = 0; i < k; i++)
		if (names_input(err, jobs[i]->in))
			rest[nrest++] = jobs[i];
	if (nrest > 0 && nrest < k) {
		for (size_t i = 0; i < nrest; i++) {   /* confirm each alone: exact message */
			run_jobs(c, &rest[i], 1);
		}
		nrest = 0;
		for (size_t i = 0; i < k; i++)
			if (!names_input(err, jobs[i]->in))
				rest[nrest++] = jobs[i];
		run_jobs(c, rest, nrest);
	} else {
		run_jobs(c, jobs, k / 2);
		run_jobs(c, jobs + k / 2, k - k / 2);
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
		warnx("stdin: line %lu: expected 'id<TAB>path'", lineno);
		return NULL;
	}
	*tab = '\0';
	path = tab + 1;
	if ((end = strchr(path, '\t')) != NULL)
		*end = '\0';
	if (!name_is_safe(line)) {
		warnx("stdin: line %lu: id '%s' is not a safe file name", lineno, line);
		return NULL;
	}
	if (*path == '\0' || strcmp(path, "-") == 0) {
		warnx("stdin: line %lu: %s: no input path", lineno, line);
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

static void batch(struct ctx *c, const char *outdir, size_t group, int wait_ms)
{
	static struct line_reader lr;
	struct job **jobs = xmalloc(group * sizeof *jobs);
	size_t k = 0;
	char *line;
	int r;

	if (mkdir_p(outdir) != 0)
		die(EXIT_WORK, "%s", outdir);
	while ((r = next_line(&lr, k ? wait_ms : -1, &line)) != 0) {
		if (r == 1) {
			line[strcspn(line, "\r")] = '\0';
			if (line[0] == '\0' || line[0] == '#')
				continue;
			struct job *job = parse_line(line, lr.lineno, outdir);
			if (job == NULL) {
				c->failed++;
				continue;
			}
			jobs[k++] = job;
		}
		if (k == group || (r == -1 && k > 0)) {
			run_jobs(c, jobs, k);
			free_jobs(jobs, k);
			k = 0;
		}
	}
	if (k > 0) {
		run_jobs(c, jobs, k);
		free_jobs(jobs, k);
	}
	free(jobs);
	if (c->failed)
		warnx("%lu converted, %lu failed", c->done, c->failed);
}

int main(int argc, char **argv)
{
	static const char *const encodings[] = {"u8", "f32", NULL};
	static const char *const pads[] = {"constant", "reflect", NULL};
	static const char *const resamplers[] = {"soxr", "swr", NULL};
	struct melspec_config cfg;
	struct ctx c;
	const char *outdir = NULL;
	long long group = 32;
	double wait_s = 2.0;
	char err[256];
	int ch;

	msg_init(argv[0]);
	memset(&c, 0, sizeof c);
	melspec_config_default(&cfg);
	c.dtype = BIN_U8;
	c.dec.ffmpeg = getenv("FFMPEG") && *getenv("FFMPEG") ? getenv("FFMPEG") : "ffmpeg";
	c.dec.soxr = 1;
	while ((ch = getopt_long(argc, argv, "e:p:r:n:H:m:bo:g:h", long_opts, NULL)) != -1) {
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
	if (melspec_init(&c.ms, &cfg, err, sizeof err) != 0)
		opt_usage_error(usage, "%s", err);
	c.dec.sample_rate = cfg.sample_rate;
	c.bufs = xcalloc(c.batch ? (size_t)group : 1, sizeof *c.bufs);

	if (c.batch) {
		batch(&c, outdir, (size_t)group, (int)(wait_s * 1000.0));
	} else {
		struct job job = {.id = NULL, .in = argv[0], .out = argv[1]};
		struct job *jp = &job;
		if (precheck(job.in) != 0)
			c.failed++;
		else
			run_jobs(&c, &jp, 1);
	}

	for (size_t i = 0; i < (c.batch ? (size_t)group : 1); i++)
		wav2mel_samples_free(&c.bufs[i]);
	free(c.bufs);
	free(c.mel);
	melspec_free(&c.ms);
	fftwf_cleanup();
	if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0)
		die(EXIT_WORK, "stdout");
	return c.failed ? EXIT_WORK : EXIT_OK;
}
