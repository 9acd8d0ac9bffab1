/* wav2mel — audio files to log-mel spectrograms (.mel), as librosa computes
 * them for DCUE.  See docs/wav2mel.md.
 *
 *   wav2mel [options] IN OUT.mel
 *   wav2mel --batch -o OUTDIR [--delete-input] [options] < id<TAB>path lines
 *
 * Decoding is ffmpeg's (decode.c), the spectrogram melspec.c's, the work
 * per group convert.c's and the batch loop batch.c's; this file is the
 * command line. */
#define _GNU_SOURCE
#include "convert.h"
#include "atomic.h"

#include "melfile.h"
#include "msg.h"
#include "opts.h"

#include <getopt.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* What the command line asks for: parse_options() fills it, checking
 * every value and combination, and touches no file. */
struct options {
	struct melspec_config cfg;
	uint32_t dtype;            /* BIN_U8 or BIN_F32 */
	int log1p, allow_silent, delete_input, batch, soxr;
	const char *ffmpeg;
	const char *outdir;        /* --batch's -o, else NULL */
	long long group, jobs;
	double wait_s;
	int argc;                  /* the operands: 0 under --batch, else IN and OUT.mel */
	char **argv;
};

static void parse_options(struct options *o, int argc, char **argv)
{
	static const char *const encodings[] = {"u8", "f32", NULL};
	static const char *const pads[] = {"constant", "reflect", NULL};
	static const char *const resamplers[] = {"soxr", "swr", NULL};
	char err[256];
	int ch;

	memset(o, 0, sizeof *o);
	melspec_config_default(&o->cfg);
	o->dtype = BIN_U8;
	o->ffmpeg = getenv("FFMPEG") && *getenv("FFMPEG") ? getenv("FFMPEG") : "ffmpeg";
	o->soxr = 1;
	o->group = 16;
	o->wait_s = 2.0;
	/* one lane per core, at most 4: each holds a group's samples (~3 MB a
	 * preview) and ffmpeg decodes on one core */
	o->jobs = sysconf(_SC_NPROCESSORS_ONLN);
	o->jobs = o->jobs < 1 ? 1 : o->jobs > 4 ? 4 : o->jobs;
	while ((ch = getopt_long(argc, argv, "e:p:r:n:H:m:bo:g:j:h", long_opts, NULL)) != -1) {
		switch (ch) {
		case 'e': o->dtype = opt_choice("--encoding", optarg, encodings) ? BIN_F32 : BIN_U8; break;
		case 'p': o->cfg.pad = opt_choice("--pad", optarg, pads); break;
		case 'r': o->cfg.sample_rate = (int)opt_ll("--sample-rate", optarg, 1000, 384000); break;
		case 'n': o->cfg.n_fft = (int)opt_ll("--n-fft", optarg, 16, 65536); break;
		case 'H': o->cfg.hop = (int)opt_ll("--hop", optarg, 1, 65536); break;
		case 'm': o->cfg.n_mels = (int)opt_ll("--mels", optarg, 1, 4096); break;
		case OPT_LOG1P: o->log1p = 1; break;
		case OPT_SILENT: o->allow_silent = 1; break;
		case OPT_RESAMPLER: o->soxr = opt_choice("--resampler", optarg, resamplers) == 0; break;
		case OPT_FFMPEG: o->ffmpeg = optarg; break;
		case 'b': o->batch = 1; break;
		case 'o': o->outdir = optarg; break;
		case 'g': o->group = opt_ll("--group", optarg, 1, DECODE_MAX_GROUP); break;
		case 'j': o->jobs = opt_ll("--jobs", optarg, 1, 64); break;
		case OPT_WAIT: o->wait_s = opt_double("--wait", optarg, 0.0, 86400.0); break;
		case OPT_DELETE: o->delete_input = 1; break;
		case OPT_HELP: opt_help(usage);
		case OPT_VERSION: opt_version();
		default: opt_bad(usage);
		}
	}
	argc -= optind;
	argv += optind;
	if (o->batch) {
		if (argc != 0)
			opt_usage_error(usage, "--batch takes no operands (the list is read on stdin)");
		if (o->outdir == NULL)
			opt_usage_error(usage, "--batch needs -o OUTDIR");
	} else {
		if (argc != 2)
			opt_usage_error(usage, "expected IN and OUT.mel");
		if (o->outdir || o->delete_input)
			opt_usage_error(usage, "-o and --delete-input need --batch");
		if (strcmp(argv[1], "-") == 0)
			opt_usage_error(usage, "OUT.mel must be a file (its checksum is written last)");
	}
	if (o->cfg.n_fft % 2 != 0 || o->cfg.hop > o->cfg.n_fft)
		opt_usage_error(usage, "--n-fft must be even and --hop at most --n-fft");
	if (melspec_config_check(&o->cfg, err, sizeof err) != 0)
		opt_usage_error(usage, "%s", err);
	o->argc = argc;
	o->argv = argv;
}

int main(int argc, char **argv)
{
	struct options o;
	struct melspec_config cfg;
	struct ctx c;
	const char *outdir;
	long long group, jobs;
	double wait_s;

	msg_init(argv[0]);
	parse_options(&o, argc, argv);
	memset(&c, 0, sizeof c);
	pthread_mutex_init(&c.mu, NULL);
	pthread_cond_init(&c.more, NULL);
	pthread_cond_init(&c.taken, NULL);
	cfg = o.cfg;
	c.dtype = o.dtype;
	c.log1p = o.log1p;
	c.allow_silent = o.allow_silent;
	c.delete_input = o.delete_input;
	c.batch = o.batch;
	c.dec.ffmpeg = o.ffmpeg;
	c.dec.soxr = o.soxr;
	outdir = o.outdir;
	group = o.group;
	jobs = o.jobs;
	wait_s = o.wait_s;
	argc = o.argc;
	argv = o.argv;
	c.dec.sample_rate = cfg.sample_rate;

	/* FFTW's planner is not thread-safe: every plan is made here, before
	 * any lane starts; executing plans from several threads is safe. */
	int nlanes = c.batch ? (int)jobs : 1;
	size_t per_lane = c.batch ? (size_t)group : 1;
	struct lane *lanes = xcalloc((size_t)nlanes, sizeof *lanes);
	for (int i = 0; i < nlanes; i++)
		wav2mel_lane_init(&lanes[i], &c, &cfg, per_lane);
	/* an output that cannot be written is found before any decoding */
	if (!c.batch && atomic_probe(argv[1]) != 0)
		die(EXIT_WORK, "%s: cannot write", argv[1]);
	if (c.batch) {
		wav2mel_batch(&c, lanes, nlanes, outdir, (size_t)group, (int)(wait_s * 1000.0));
	} else {
		struct job job = {.id = NULL, .in = argv[0], .out = argv[1]};
		struct job *jp = &job;
		if (wav2mel_precheck(job.in) != 0)
			c.failed++;
		else
			wav2mel_run_jobs(&lanes[0], &jp, 1);
	}
	for (int i = 0; i < nlanes; i++)
		wav2mel_lane_free(&lanes[i], per_lane);
	free(lanes);
	fftwf_cleanup();
	if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0)
		die(EXIT_WORK, "stdout");
	return c.failed ? EXIT_WORK : EXIT_OK;
}
