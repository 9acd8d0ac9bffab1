/* mel-stats — statistics of a set of .mel files (the seed's analyse-mels),
 * and a look inside one.  See docs/mel-stats.md.
 *
 *   mel-stats [-o STATS] [--hist HIST.tsv] [options] DIR|FILE.mel|- ...
 *   mel-stats info FILE.mel
 *   mel-stats dump FILE.mel > values.f32
 *
 * Files are read in 64 KiB pieces, one at a time, so memory stays constant
 * however many there are; each file's sums are kept apart until its CRC
 * has been checked, so a corrupt file contributes nothing.  Sums are in
 * float64. */
#define _GNU_SOURCE
#include "atomic.h"
#include "melfile.h"
#include "msg.h"
#include "opts.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage[] =
	"usage: mel-stats [-o STATS] [--hist HIST.tsv] [options] DIR|FILE.mel|- ...\n"
	"       mel-stats info FILE.mel\n"
	"       mel-stats dump FILE.mel\n"
	"\n"
	"Statistics over .mel files: every *.mel in each DIR, each FILE.mel, and\n"
	"with '-' one path per line on stdin.  Writes 'key value' lines (files,\n"
	"frames, values, db_min, db_max, mel_min, mel_max, mel_mean, mel_std,\n"
	"skipped) to STATS (default stdout) and a histogram TSV with --hist.\n"
	"'info' prints one file's header as 'key: value' lines; 'dump' writes its\n"
	"values to stdout as raw little-endian float32, frames-major.\n"
	"\n"
	"  -o, --output STATS     the statistics file (default stdout)\n"
	"      --hist FILE        the histogram: '# lo<TAB>hi<TAB>count' lines\n"
	"      --bins N           histogram bins over [mel-min, mel-max] (default 80)\n"
	"      --mel-min X        the scaling range's low end (default -80)\n"
	"      --mel-max Y        the scaling range's high end (default 0)\n"
	"      --scale db|log1p   the files' scale (default db); others are skipped\n"
	"  -h, --help             this text\n"
	"      --version          the version\n"
	"\n"
	"Exit status: 0 success, 1 some file was unreadable or corrupt (named on\n"
	"stderr and skipped; the statistics cover the others), 2 usage error.\n";

enum { OPT_HIST = 0x2000, OPT_BINS, OPT_MIN, OPT_MAX, OPT_SCALE };

static const struct option long_opts[] = {
	{"output", required_argument, NULL, 'o'},
	{"hist", required_argument, NULL, OPT_HIST},
	{"bins", required_argument, NULL, OPT_BINS},
	{"mel-min", required_argument, NULL, OPT_MIN},
	{"mel-max", required_argument, NULL, OPT_MAX},
	{"scale", required_argument, NULL, OPT_SCALE},
	{"help", no_argument, NULL, OPT_HELP},
	{"version", no_argument, NULL, OPT_VERSION},
	{NULL, 0, NULL, 0},
};

/* Sums over a set of values x, scaled s = (x − lo)/(hi − lo); the second
 * moment is taken about 0.5, the middle of the usual range, so that
 * E[s²] − E[s]² does not cancel badly. */
struct acc {
	uint64_t files, frames, values;
	double sum, sumsq;      /* of s − 0.5 */
	double vmin, vmax;      /* raw values */
	uint64_t *hist;         /* [bins] */
};

struct stats_opts {
	double lo, hi;          /* scaling and histogram range */
	int bins;
	int scale;              /* enum mel_scale: the only one accepted */
};

static void acc_init(struct acc *a, int bins)
{
	memset(a, 0, sizeof *a);
	a->vmin = INFINITY;
	a->vmax = -INFINITY;
	a->hist = xcalloc((size_t)bins, sizeof *a->hist);
}

static void acc_reset(struct acc *a, int bins)
{
	uint64_t *h = a->hist;
	memset(h, 0, (size_t)bins * sizeof *h);
	memset(a, 0, sizeof *a);
	a->hist = h;
	a->vmin = INFINITY;
	a->vmax = -INFINITY;
}

/* Adds `count` copies of value v. */
static inline void acc_add(struct acc *a, const struct stats_opts *o, double v, uint64_t count)
{
	double s = (v - o->lo) / (o->hi - o->lo) - 0.5;
	double b = floor((v - o->lo) / (o->hi - o->lo) * o->bins);
	int bin = b < 0 ? 0 : b >= o->bins ? o->bins - 1 : (int)b;

	a->values += count;
	a->sum += s * (double)count;
	a->sumsq += s * s * (double)count;
	if (v < a->vmin)
		a->vmin = v;
	if (v > a->vmax)
		a->vmax = v;
	a->hist[bin] += count;
}

static void acc_merge(struct acc *into, const struct acc *a, int bins)
{
	into->files += a->files;
	into->frames += a->frames;
	into->values += a->values;
	into->sum += a->sum;
	into->sumsq += a->sumsq;
	into->vmin = fmin(into->vmin, a->vmin);
	into->vmax = fmax(into->vmax, a->vmax);
	for (int i = 0; i < bins; i++)
		into->hist[i] += a->hist[i];
}

/* The line of the '-' list being read (0 outside a list): a skipped file
 * read from a list is reported as "stdin:N: FILE: why". */
static unsigned long list_line;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (list_line > 0)
		warnx("stdin:%lu: %s", list_line, msg);
	else
		warnx("%s", msg);
}

/* One file into a (reset first).  u8 files are counted per level, then
 * each level's value added once with its count. -1 with a message. */
static int scan_file(const char *path, const struct stats_opts *o, struct acc *a)
{
	static unsigned char buf[1 << 16];
	struct bin_reader r;
	struct mel m;
	uint64_t left;
	int rc = -1;

	if (mel_open(&r, path, &m) != 0) {
		say("%s", r.err);
		bin_close(&r);
		return -1;
	}
	if ((int)m.meta.scale != o->scale) {
		say("%s: scale %s, not %s (--scale); skipped", path,
		      m.meta.scale == MEL_SCALE_DB ? "db" : "log1p",
		      o->scale == MEL_SCALE_DB ? "db" : "log1p");
		bin_close(&r);
		return -1;
	}
	uint64_t levels[256] = {0};
	left = r.h.payload_bytes;
	while (left > 0) {
		size_t n = left < sizeof buf ? (size_t)left : sizeof buf;
		if (m.dtype == BIN_F32)
			n -= n % sizeof(float);
		if (bin_read(&r, buf, n) != 0) {
			say("%s", r.err);
			goto out;
		}
		if (m.dtype == BIN_U8) {
			for (size_t i = 0; i < n; i++)
				levels[buf[i]]++;
		} else {
			const float *v = (const float *)buf;
			for (size_t i = 0; i < n / sizeof(float); i++) {
				if (!mel_value_ok(v[i])) {
					say("%s: value %zu is %s (expected a finite value within ±%g)",
					    path, (size_t)((r.h.payload_bytes - left) / 4 + i),
					      isfinite(v[i]) ? "out of range" : "not finite",
					      (double)MEL_VALUE_MAX);
					goto out;
				}
				acc_add(a, o, v[i], 1);
			}
		}
		left -= n;
	}
	if (m.dtype == BIN_U8)
		for (int q = 0; q < 256; q++)
			if (levels[q])
				acc_add(a, o, mel_u8_to_value(&m.meta, (uint8_t)q), levels[q]);
	/* --mel-min/--mel-max far from the values can still overflow the sums */
	if (!isfinite(a->sum) || !isfinite(a->sumsq)) {
		warnx("%s: values too far from [--mel-min, --mel-max] for finite statistics", path);
		goto out;
	}
	a->files = 1;
	a->frames = m.n_frames;
	rc = 0;
out:
	bin_close(&r);
	return rc;
}

struct run {
	struct stats_opts o;
	struct acc total, file;
	unsigned long skipped;
};

static void one(struct run *s, const char *path)
{
	acc_reset(&s->file, s->o.bins);
	if (scan_file(path, &s->o, &s->file) == 0)
		acc_merge(&s->total, &s->file, s->o.bins);
	else
		s->skipped++;
}

static int has_mel_suffix(const char *name)
{
	size_t n = strlen(name);
	return n > 4 && strcmp(name + n - 4, ".mel") == 0 && name[0] != '.';
}

/* Every *.mel directly in dir, in readdir order (no listing is kept). */
static void walk_dir(struct run *s, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[PATH_MAX];

	if (d == NULL) {
		warn("%s", dir);
		s->skipped++;
		return;
	}
	while ((errno = 0, e = readdir(d)) != NULL) {
		if (!has_mel_suffix(e->d_name))
			continue;
		if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path) {
			warnx("%s/%s: path too long", dir, e->d_name);
			s->skipped++;
			continue;
		}
		one(s, path);
	}
	if (errno != 0) {
		warn("%s", dir);
		s->skipped++;
	}
	closedir(d);
}

static void operand(struct run *s, const char *arg)
{
	struct stat st;

	if (strcmp(arg, "-") == 0) {
		char *line = NULL;
		size_t cap = 0;
		ssize_t len;
		unsigned long lineno = 0;
		while ((len = getline(&line, &cap, stdin)) > 0) {
			lineno++;
			while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
				line[--len] = '\0';
			if (len == 0)
				continue;
			list_line = lineno;
			if (strlen(line) != (size_t)len) {
				say("expected a path, found a NUL byte; line skipped");
				s->skipped++;
			} else {
				one(s, line);
			}
			list_line = 0;
		}
		if (ferror(stdin))
			die(EXIT_WORK, "stdin");
		free(line);
		return;
	}
	if (stat(arg, &st) == 0 && S_ISDIR(st.st_mode))
		walk_dir(s, arg);
	else
		one(s, arg);
}

static void put_stats(FILE *fp, const struct run *s)
{
	const struct acc *t = &s->total;
	double n = (double)t->values, mean = t->sum / n;
	double var = t->sumsq / n - mean * mean;

	fprintf(fp, "files %llu\n", (unsigned long long)t->files);
	fprintf(fp, "frames %llu\n", (unsigned long long)t->frames);
	fprintf(fp, "values %llu\n", (unsigned long long)t->values);
	fprintf(fp, "db_min %.9g\n", t->vmin);
	fprintf(fp, "db_max %.9g\n", t->vmax);
	fprintf(fp, "mel_min %.9g\n", s->o.lo);
	fprintf(fp, "mel_max %.9g\n", s->o.hi);
	fprintf(fp, "mel_mean %.9g\n", mean + 0.5);
	fprintf(fp, "mel_std %.9g\n", sqrt(var > 0 ? var : 0));
	fprintf(fp, "skipped %lu\n", s->skipped);
}

static void put_hist(FILE *fp, const struct run *s)
{
	double w = (s->o.hi - s->o.lo) / s->o.bins;

	fprintf(fp, "# lo\thi\tcount\n");
	for (int i = 0; i < s->o.bins; i++)
		fprintf(fp, "%.9g\t%.9g\t%llu\n", s->o.lo + i * w,
		        i + 1 == s->o.bins ? s->o.hi : s->o.lo + (i + 1) * w,
		        (unsigned long long)s->total.hist[i]);
}

/* The statistics and the histogram are one set: both replaced or neither. */
static void write_outputs(const char *stats, const char *hist, const struct run *s)
{
	struct atomic_file sf, hf;
	struct atomic_file *set[2] = { &sf, &hf };
	size_t bad;

	if (atomic_open(&sf, stats) != 0)
		die(EXIT_WORK, "%s: cannot write", stats);
	if (hist != NULL && atomic_open(&hf, hist) != 0) {
		atomic_abort(&sf);
		die(EXIT_WORK, "%s: cannot write", hist);
	}
	put_stats(sf.fp, s);
	if (hist != NULL)
		put_hist(hf.fp, s);
	if (atomic_commit_set(set, hist != NULL ? 2 : 1, &bad) != 0)
		die(EXIT_WORK, "%s: cannot write", bad == 0 ? stats : hist);
}

/* --- info and dump -------------------------------------------------------- */

static int cmd_info(const char *path)
{
	struct mel m;
	char err[512];

	if (mel_read(path, &m, err, sizeof err) != 0) {
		warnx("%s", err);
		return EXIT_WORK;
	}
	uint64_t n = m.n_frames * m.n_mels, bad = 0;
	float *v = xmalloc((n ? n : 1) * sizeof *v), lo = INFINITY, hi = -INFINITY;
	mel_to_float(&m, v);
	for (uint64_t i = 0; i < n; i++) {
		if (!isfinite(v[i])) {
			bad++;
			continue;
		}
		lo = fminf(lo, v[i]);
		hi = fmaxf(hi, v[i]);
	}
	printf("file: %s\n", path);
	printf("version: %d\n", MEL_VERSION);
	printf("encoding: %s\n", m.dtype == BIN_U8 ? "u8" : "f32");
	printf("frames: %llu\n", (unsigned long long)m.n_frames);
	printf("mels: %llu\n", (unsigned long long)m.n_mels);
	printf("sample_rate: %u\n", m.meta.sample_rate);
	printf("n_fft: %u\n", m.meta.n_fft);
	printf("hop: %u\n", m.meta.hop);
	printf("scale: %s\n", m.meta.scale == MEL_SCALE_DB ? "db" :
	                      m.meta.scale == MEL_SCALE_LOG1P ? "log1p" : "unknown");
	printf("pad: %s\n", m.meta.pad == MEL_PAD_CONSTANT ? "constant" :
	                    m.meta.pad == MEL_PAD_REFLECT ? "reflect" : "unknown");
	printf("silent: %s\n", (m.meta.flags & MEL_FLAG_SILENT) ? "yes" : "no");
	printf("vmin: %.9g\n", (double)m.meta.vmin);
	printf("vmax: %.9g\n", (double)m.meta.vmax);
	if (m.meta.sample_rate > 0)
		printf("seconds: %.3f\n", (double)m.n_frames * m.meta.hop / m.meta.sample_rate);
	printf("min: %.9g\n", n > bad ? (double)lo : 0.0);
	printf("max: %.9g\n", n > bad ? (double)hi : 0.0);
	printf("non_finite: %llu\n", (unsigned long long)bad);
	free(v);
	mel_free(&m);
	if (bad > 0) {
		warnx("%s: %llu values are not finite (NaN or infinite)", path, (unsigned long long)bad);
		return EXIT_WORK;
	}
	return EXIT_OK;
}

static int cmd_dump(const char *path)
{
	struct mel m;
	char err[512];

	if (isatty(STDOUT_FILENO))
		diex(EXIT_USAGE, "dump writes binary float32: redirect stdout to a file or a pipe");
	if (mel_read(path, &m, err, sizeof err) != 0) {
		warnx("%s", err);
		return EXIT_WORK;
	}
	uint64_t n = m.n_frames * m.n_mels;
	float *v = xmalloc((n ? n : 1) * sizeof *v);
	mel_to_float(&m, v);      /* little-endian hosts only, as the format */
	if (fwrite(v, sizeof *v, n, stdout) != n)
		die(EXIT_WORK, "stdout");
	free(v);
	mel_free(&m);
	return EXIT_OK;
}

/* What the command line asks for: parse_options() fills it, checking
 * every value and combination, and touches no file. */
struct options {
	struct stats_opts o;
	const char *out, *hist;    /* -o (default "-"), --hist or NULL */
	int argc;                  /* operands: info|dump FILE.mel, or the inputs */
	char **argv;
};

static void parse_options(struct options *opt, int argc, char **argv)
{
	static const char *const scales[] = {"db", "log1p", NULL};
	struct run s;
	const char *out = "-", *hist = NULL;
	int ch;

	memset(&s, 0, sizeof s);
	s.o.lo = -80.0;
	s.o.hi = 0.0;
	s.o.bins = 80;
	s.o.scale = MEL_SCALE_DB;
	while ((ch = getopt_long(argc, argv, "o:h", long_opts, NULL)) != -1) {
		switch (ch) {
		case 'o': out = optarg; break;
		case OPT_HIST: hist = optarg; break;
		case OPT_BINS: s.o.bins = (int)opt_ll("--bins", optarg, 1, 1000000); break;
		case OPT_MIN: s.o.lo = opt_double("--mel-min", optarg, -1e6, 1e6); break;
		case OPT_MAX: s.o.hi = opt_double("--mel-max", optarg, -1e6, 1e6); break;
		case OPT_SCALE: s.o.scale = opt_choice("--scale", optarg, scales); break;
		case OPT_HELP: opt_help(usage);
		case OPT_VERSION: opt_version();
		default: opt_bad(usage);
		}
	}
	argc -= optind;
	argv += optind;
	*opt = (struct options){ .o = s.o, .out = out, .hist = hist, .argc = argc, .argv = argv };
	if (argc >= 1 && (strcmp(argv[0], "info") == 0 || strcmp(argv[0], "dump") == 0)) {
		if (argc != 2)
			opt_usage_error(usage, "%s takes one FILE.mel", argv[0]);
		return;
	}
	if (argc == 0)
		opt_usage_error(usage, "expected at least one DIR, FILE.mel or '-'");
	if (!(s.o.hi > s.o.lo))
		opt_usage_error(usage, "--mel-max must be greater than --mel-min");
}

int main(int argc, char **argv)
{
	struct options opt;
	struct run s;
	const char *out, *hist;
	int status;

	msg_init(argv[0]);
	parse_options(&opt, argc, argv);
	memset(&s, 0, sizeof s);
	s.o = opt.o;
	out = opt.out;
	hist = opt.hist;
	argc = opt.argc;
	argv = opt.argv;
	if (argc >= 1 && (strcmp(argv[0], "info") == 0 || strcmp(argv[0], "dump") == 0)) {
		status = strcmp(argv[0], "info") == 0 ? cmd_info(argv[1]) : cmd_dump(argv[1]);
		if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0)
			die(EXIT_WORK, "stdout");
		return status;
	}

	if (atomic_probe(out) != 0)
		die(EXIT_WORK, "%s: cannot write", out);
	if (hist != NULL && atomic_probe(hist) != 0)
		die(EXIT_WORK, "%s: cannot write", hist);
	acc_init(&s.total, s.o.bins);
	acc_init(&s.file, s.o.bins);
	for (int i = 0; i < argc; i++)
		operand(&s, argv[i]);
	if (s.total.files == 0 || s.total.values == 0) {
		warnx("no readable .mel files with frames; nothing written");
		return EXIT_WORK;
	}
	if (!isfinite(s.total.sum) || !isfinite(s.total.sumsq)) {
		warnx("the sums over all files are not finite (values too far from [--mel-min, "
		      "--mel-max]); nothing written");
		return EXIT_WORK;
	}
	write_outputs(out, hist, &s);
	if (s.skipped)
		warnx("%lu file(s) skipped", s.skipped);
	free(s.total.hist);
	free(s.file.hist);
	if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0)
		die(EXIT_WORK, "stdout");
	return s.skipped ? EXIT_WORK : EXIT_OK;
}
