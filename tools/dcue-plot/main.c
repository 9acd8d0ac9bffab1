/* dcue-plot — draws dcue's outputs with gnuplot: training curves, a mel
 * spectrogram, the mel value histogram, the evaluation against baselines
 * and dataset statistics, as PNG, SVG or text for a terminal.
 *
 * It reads the files the other tools write, validates them, and hands
 * gnuplot one script holding both commands and data (see gnuplot.h); it
 * never draws anything itself except the text-terminal spectrogram's
 * character shading.  The manual is docs/dcue-plot.md. */
#define _GNU_SOURCE
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gnuplot.h"
#include "atomic.h"
#include "msg.h"
#include "opts.h"
#include "plots.h"

static const char usage[] =
	"usage: dcue-plot curves|mel|hist|eval|stats|challenge [options] -o OUT INPUT...\n"
	"\n"
	"  curves METRICS.tsv            loss and accuracy per epoch (dcue-train --metrics)\n"
	"  mel FILE.mel                  a spectrogram: time, mel band, dB colour bar\n"
	"  hist HIST.tsv [STATS]         mel value distribution (mel-stats --hist, -o)\n"
	"  eval [REPORT.tsv] [PER.tsv]   metrics against baselines; per-playlist AUC\n"
	"                                (dcue-train eval --report, --per-playlist)\n"
	"  stats HIST.tsv [STATS.txt]    playlist lengths, track occurrences\n"
	"                                (mpd-parse stats --histograms, its stdout)\n"
	"  challenge EVAL.tsv            RecSys Challenge metrics per category, dcue next to\n"
	"                                popularity (dcue-train score --tsv)\n"
	"\n"
	"options:\n"
	"  -o, --output FILE     the image; '-' = stdout (required)\n"
	"  -t, --term png|svg|dumb  format (default: from OUT's extension: .png, .svg,\n"
	"                        anything else dumb, i.e. text for a terminal)\n"
	"  -s, --size WxH        pixels (png, svg; default 1000x700) or characters\n"
	"                        (dumb; default 100x32)\n"
	"      --title TEXT      the plot's title (default: names the input)\n"
	"      --max-frames N    mel: at most N time columns, averaging (default 1500)\n"
	"      --script FILE     also save the gnuplot script with its data to FILE\n"
	"      --gnuplot PROG    gnuplot program (default $GNUPLOT, else gnuplot)\n"
	"  -h, --help            this text\n"
	"      --version         the version\n";

enum { OPT_TITLE = 0x1100, OPT_SCRIPT, OPT_GNUPLOT, OPT_MAX_FRAMES };

static const struct option longopts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "term", required_argument, NULL, 't' },
	{ "size", required_argument, NULL, 's' },
	{ "title", required_argument, NULL, OPT_TITLE },
	{ "max-frames", required_argument, NULL, OPT_MAX_FRAMES },
	{ "script", required_argument, NULL, OPT_SCRIPT },
	{ "gnuplot", required_argument, NULL, OPT_GNUPLOT },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

static const char *const kinds[] = { "curves", "mel", "hist", "eval", "stats", "challenge",
                                     NULL };
static const char *const terms[] = { "png", "svg", "dumb", NULL };

static enum plot_term term_from_name(const char *out)
{
	const char *dot = strrchr(out, '.');

	if (dot != NULL && strcmp(dot, ".png") == 0)
		return TERM_PNG;
	if (dot != NULL && strcmp(dot, ".svg") == 0)
		return TERM_SVG;
	return TERM_DUMB;
}

static void parse_size(const char *s, int *w, int *h)
{
	char *x = strchr(s, 'x');
	char buf[64];

	if (x == NULL || (size_t)(x - s) >= sizeof buf)
		opt_usage_error(usage, "--size: expected WxH, e.g. 1000x700, not '%s'", s);
	memcpy(buf, s, (size_t)(x - s));
	buf[x - s] = '\0';
	*w = (int)opt_ll("--size", buf, 10, 20000);
	*h = (int)opt_ll("--size", x + 1, 5, 20000);
}

/* What the command line asks for: parse_options() fills it, checking
 * every value and combination, and touches no file. */
struct options {
	struct plot_opts plot;
	const char *out;           /* -o */
	int kind;                  /* index in kinds[] */
	int max_frames;
	int argc;                  /* the input files, at least one */
	char **argv;
};

static void parse_options(struct options *opt, int argc, char **argv)
{
	struct plot_opts o = { .width = 0, .height = 0 };
	const char *out = NULL, *term = NULL, *env;
	int ch, kind, max_frames = 1500;

	o.gnuplot = (env = getenv("GNUPLOT")) != NULL && *env != '\0' ? env : "gnuplot";
	/* GNU getopt permutes: options may come before or after the plot's name */
	while ((ch = getopt_long(argc, argv, "o:t:s:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'o': out = optarg; break;
		case 't': term = optarg; break;
		case 's': parse_size(optarg, &o.width, &o.height); break;
		case OPT_TITLE: o.title = optarg; break;
		case OPT_MAX_FRAMES:
			max_frames = (int)opt_ll("--max-frames", optarg, 2, 100000);
			break;
		case OPT_SCRIPT: o.script_out = optarg; break;
		case OPT_GNUPLOT: o.gnuplot = optarg; break;
		case OPT_HELP: opt_help(usage);
		case OPT_VERSION: opt_version();
		default: opt_bad(usage);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		opt_usage_error(usage, "no plot named (curves, mel, hist, eval, stats or challenge)");
	kind = opt_choice("plot", argv[0], kinds);
	argc--;
	argv++;
	if (out == NULL)
		opt_usage_error(usage, "no output: -o FILE (or -o - for stdout)");
	if (argc < 1)
		opt_usage_error(usage, "%s: no input file", kinds[kind]);
	o.term = term != NULL ? (enum plot_term)opt_choice("--term", term, terms)
	                      : term_from_name(out);
	if (o.width == 0) {
		o.width = o.term == TERM_DUMB ? 100 : 1000;
		o.height = o.term == TERM_DUMB ? 32 : 700;
	}
	*opt = (struct options){ .plot = o, .out = out, .kind = kind, .max_frames = max_frames,
	                         .argc = argc, .argv = argv };
}

int main(int argc, char **argv)
{
	struct options opt;
	struct plot_opts o;
	struct plot_script s;
	const char *out;
	int kind, rc, max_frames;

	msg_init(argv[0]);
	parse_options(&opt, argc, argv);
	o = opt.plot;
	out = opt.out;
	kind = opt.kind;
	max_frames = opt.max_frames;
	argc = opt.argc;
	argv = opt.argv;
	/* an output that cannot be written is reported before any input is read */
	if (atomic_probe(out) != 0)
		die(EXIT_WORK, "%s: cannot write", out);
	if (o.script_out != NULL && atomic_probe(o.script_out) != 0)
		die(EXIT_WORK, "%s: cannot write", o.script_out);
	/* a gnuplot that dies early must not kill us before we clean up */
	signal(SIGPIPE, SIG_IGN);

	plot_script_init(&s);
	switch (kind) {
	case 0: rc = plot_curves(&s, &o, argv, argc); break;
	case 1: rc = plot_mel(&s, &o, argv, argc, max_frames); break;
	case 2: rc = plot_hist(&s, &o, argv, argc); break;
	case 3: rc = plot_eval(&s, &o, argv, argc); break;
	case 4: rc = plot_stats(&s, &o, argv, argc); break;
	default: rc = plot_challenge(&s, &o, argv, argc); break;
	}
	if (rc == 0)
		rc = plot_run(&s, &o, out);
	plot_script_free(&s);
	if (rc != 0)
		return EXIT_WORK;
	if (fclose(stdout) != 0)
		die(EXIT_WORK, "stdout");
	return EXIT_OK;
}
