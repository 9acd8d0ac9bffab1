/* plots.c — the five plots: training curves, a mel spectrogram, the mel
 * value histogram, the evaluation against baselines, dataset statistics.
 *
 * Data go into the script as datablocks, whitespace-separated numbers with
 * NaN for a missing value (`set datafile missing NaN`), so gnuplot receives
 * exactly what a test can read back from --script. */
#include "plots.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "inputs.h"
#include "melfile.h"
#include "msg.h"

static const char *const COLOURS[] = { "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd" };

static void num(FILE *fp, double v)
{
	if (isnan(v))
		fputs(" NaN", fp);
	else
		fprintf(fp, " %.9g", v);
}

/* Common settings and the title: of the whole page when layout (e.g. "2,1")
 * starts a multiplot, else of the single plot. */
static void header(FILE *fp, const struct plot_opts *o, const char *fallback,
                   const char *layout)
{
	fputs("set datafile missing NaN\n", fp);
	/* in text, grid dots would drown the data */
	fputs(o->term == TERM_DUMB ? "unset grid\n" : "set grid lc rgb '#dddddd'\n", fp);
	if (layout != NULL)
		fprintf(fp, "set multiplot layout %s title ", layout);
	else
		fputs("set title ", fp);
	plot_quote(fp, o->title != NULL ? o->title : fallback);
	fputc('\n', fp);
}

/* The file of the wanted kind among the inputs, or NULL; complains about
 * inputs of no use to this plot. */
static int sort_inputs(char **paths, int n, const enum input_kind *wanted, int nw,
                       const char **found, const char *plot)
{
	for (int i = 0; i < nw; i++)
		found[i] = NULL;
	for (int i = 0; i < n; i++) {
		enum input_kind k = input_sniff(paths[i]);
		int used = 0;

		if (k == IN_UNKNOWN && access(paths[i], R_OK) != 0) {
			warn("%s", paths[i]);
			return -1;
		}
		for (int j = 0; j < nw; j++) {
			if (k == wanted[j] && found[j] == NULL) {
				found[j] = paths[i];
				used = 1;
				break;
			}
		}
		if (!used) {
			warnx("%s: a %s, which `dcue-plot %s` does not draw (or a second one)",
			      paths[i], k == IN_UNKNOWN ? "file of unknown kind" : input_kind_name(k),
			      plot);
			return -1;
		}
	}
	return 0;
}

/* --- curves ---------------------------------------------------------------- */

/* One row of the metrics log as plotted: x (epochs), train_loss, valid_loss,
 * train_acc, valid_acc. */
struct curve_row {
	int is_step;
	double v[5];
};

/* Emits "set yrange" for panel columns a and b over the finite values, so a
 * single point or a flat line never makes gnuplot complain. */
static void curve_yrange(FILE *fp, const struct curve_row *rows, size_t n, int a, int b)
{
	double lo = INFINITY, hi = -INFINITY;

	for (size_t r = 0; r < n; r++)
		for (int k = 0; k < 2; k++) {
			double x = rows[r].v[k ? b : a];

			if (isfinite(x)) {
				lo = fmin(lo, x);
				hi = fmax(hi, x);
			}
		}
	if (!(lo <= hi)) {
		lo = 0;
		hi = 1;
	}
	double pad = hi > lo ? 0.05 * (hi - lo) : fmax(0.05 * fabs(hi), 0.01);

	fprintf(fp, "set yrange [%.9g:%.9g]\n", lo - pad, hi + pad);
}

/* 1 when column c has a finite value in some row of the given kind. */
static int curve_has(const struct curve_row *rows, size_t n, int is_step, int c)
{
	for (size_t r = 0; r < n; r++)
		if (rows[r].is_step == is_step && isfinite(rows[r].v[c]))
			return 1;
	return 0;
}

int plot_curves(struct plot_script *s, const struct plot_opts *o, char **paths, int n)
{
	static const char *const cols[] = { "epoch", "train_loss", "valid_loss", "train_acc",
		                            "valid_acc" };
	struct table t;
	struct curve_row *rows = NULL;
	int ck, c[5], rc = -1;
	double min_epoch = INFINITY, max_x = 0;

	if (n != 1) {
		warnx("curves: give one metrics TSV (dcue-train train --metrics) or checkpoint");
		return -1;
	}
	switch (input_sniff(paths[0])) {
	case IN_CKPT:
		if (ckpt_history_read(paths[0], &t) != 0)
			return -1;
		break;
	case IN_BINARY:
	case IN_MEL:
		warnx("%s: a binary file; dcue-plot curves reads the metrics TSV that "
		      "`dcue-train train --metrics FILE` writes, or a checkpoint", paths[0]);
		return -1;
	default:
		if (table_read(paths[0], &t) != 0)
			return -1;
	}
	if ((ck = table_need(&t, "kind")) < 0)
		goto done;
	for (int i = 0; i < 5; i++)
		if ((c[i] = table_need(&t, cols[i])) < 0)
			goto done;
	if (t.nrows == 0) {
		warnx("%s: no epoch or step rows; nothing to plot", t.path);
		goto done;
	}
	rows = xcalloc(t.nrows, sizeof *rows);
	for (size_t r = 0; r < t.nrows; r++) {
		const char *kind = t.rows[r][ck];

		if (strcmp(kind, "epoch") != 0 && strcmp(kind, "step") != 0) {
			warnx("%s:%lu: unknown kind \"%s\" (epoch or step)", t.path, t.lineno[r], kind);
			goto done;
		}
		rows[r].is_step = kind[0] == 's';
		for (int i = 0; i < 5; i++)
			if (table_num(&t, r, c[i], &rows[r].v[i]) != 0)
				goto done;
		if (!(rows[r].v[0] >= 0) || rows[r].v[0] != floor(rows[r].v[0])) {
			warnx("%s:%lu: bad epoch \"%s\"", t.path, t.lineno[r], t.rows[r][c[0]]);
			goto done;
		}
		if (!rows[r].is_step)
			min_epoch = fmin(min_epoch, rows[r].v[0]);
	}
	/* Epochs count from 1: the row for epoch e sits at x = e, the steps
	 * inside it spread evenly over (e - 1, e].  A log counting from 0 is
	 * shifted by one. */
	double shift = min_epoch == 0 ? 1 : 0;

	for (size_t r = 0, end; r < t.nrows; r = end) {
		double e = rows[r].v[0];

		for (end = r + 1; end < t.nrows && rows[end].is_step == rows[r].is_step &&
		                  rows[end].v[0] == e; end++)
			;
		for (size_t k = r; k < end; k++) {
			rows[k].v[0] = rows[k].is_step ?
				e + shift - 1 + (double)(k - r + 1) / (double)(end - r) : e + shift;
			max_x = fmax(max_x, rows[k].v[0]);
		}
	}
	for (int step = 0; step < 2; step++) {
		fprintf(s->fp, "$%s << EOD\n", step ? "step" : "epoch");
		for (size_t r = 0; r < t.nrows; r++) {
			if (rows[r].is_step != step)
				continue;
			for (int i = 0; i < 5; i++)
				num(s->fp, rows[r].v[i]);
			fputc('\n', s->fp);
		}
		fputs("EOD\n", s->fp);
	}

	fprintf(s->fp, "set xrange [0:%g]\nset lmargin 10\nset rmargin 3\n", fmax(max_x, 1));
	header(s->fp, o, "training curves", "2,1");
	for (int panel = 0; panel < 2; panel++) {
		int tr = panel == 0 ? 1 : 3, va = tr + 1;     /* index in v[] */
		const char *sep = "";

		fprintf(s->fp, "set ylabel '%s'\nset key %s right\nset xlabel '%s'\n",
		        panel == 0 ? "loss" : "accuracy", panel == 0 ? "top" : "bottom",
		        panel == 0 ? "" : "epoch");
		curve_yrange(s->fp, rows, t.nrows, tr, va);
		fputs("plot ", s->fp);
		if (curve_has(rows, t.nrows, 1, tr)) {
			fprintf(s->fp, "$step u 1:%d w l lc rgb '#aac7e8' t 'train (steps)'", tr + 1);
			sep = ", ";
		}
		if (curve_has(rows, t.nrows, 0, tr)) {
			fprintf(s->fp, "%s$epoch u 1:%d w lp pt 7 lc rgb '%s' t 'train'", sep, tr + 1,
			        COLOURS[0]);
			sep = ", ";
		}
		if (curve_has(rows, t.nrows, 0, va)) {
			fprintf(s->fp, "%s$epoch u 1:%d w lp pt 5 lc rgb '%s' t 'validation'", sep,
			        va + 1, COLOURS[1]);
			sep = ", ";
		}
		if (*sep == '\0')     /* nothing finite to draw: an empty frame */
			fputs("NaN notitle", s->fp);
		fputc('\n', s->fp);
	}
	fputs("unset multiplot\n", s->fp);
	rc = 0;
done:
	free(rows);
	table_free(&t);
	return rc;
}

/* --- mel ------------------------------------------------------------------- */

/* Cell (frame group gx, band group gy) of the T × M values, averaged. */
static double cell_mean(const float *v, uint64_t M, uint64_t t0, uint64_t t1, uint64_t m0,
                        uint64_t m1)
{
	double sum = 0;

	for (uint64_t t = t0; t < t1; t++)
		for (uint64_t m = m0; m < m1; m++)
			sum += v[t * M + m];
	return sum / (double)((t1 - t0) * (m1 - m0));
}

int plot_mel(struct plot_script *s, const struct plot_opts *o, char **paths, int n,
             int max_frames)
{
	static const char ramp[] = " .:-=+*oO@";
	struct mel m;
	char err[600], title[700];
	float *v;
	uint64_t T, M, cols, rows;
	double fps;

	if (n != 1) {
		warnx("mel: give one .mel file");
		return -1;
	}
	if (mel_read(paths[0], &m, err, sizeof err) != 0) {
		warnx("%s", err);
		return -1;
	}
	T = m.n_frames;
	M = m.n_mels;
	if (T == 0 || M == 0 || m.meta.hop == 0 || m.meta.sample_rate == 0) {
		warnx("%s: empty spectrogram (%llu frames, %llu bands)", paths[0],
		      (unsigned long long)T, (unsigned long long)M);
		mel_free(&m);
		return -1;
	}
	v = xmalloc(T * M * sizeof *v);
	mel_to_float(&m, v);
	fps = (double)m.meta.sample_rate / m.meta.hop;
	/* The image has at most max_frames columns (png, svg) or fits the
	 * terminal (dumb), averaging neighbouring frames. */
	if (o->term == TERM_DUMB) {
		cols = o->width > 20 ? (uint64_t)o->width - 14 : 6;
		rows = o->height > 10 ? (uint64_t)o->height - 6 : 4;
	} else {
		cols = (uint64_t)max_frames;
		rows = M;
	}
	if (cols > T)
		cols = T;
	if (rows > M)
		rows = M;

	fputs("$mel << EOD\n", s->fp);
	for (uint64_t gx = 0; gx < cols; gx++) {
		uint64_t t0 = gx * T / cols, t1 = (gx + 1) * T / cols;

		for (uint64_t gy = 0; gy < rows; gy++) {
			uint64_t m0 = gy * M / rows, m1 = (gy + 1) * M / rows;
			double val = cell_mean(v, M, t0, t1, m0, m1);
			double x = (t0 + t1) / 2.0 / fps, y = (m0 + m1 - 1) / 2.0;

			if (o->term == TERM_DUMB) {
				double f = (val - m.meta.vmin) / (m.meta.vmax - m.meta.vmin);
				int k = (int)(f * (sizeof ramp - 1));

				k = k < 0 ? 0 : k > (int)sizeof ramp - 2 ? (int)sizeof ramp - 2 : k;
				fprintf(s->fp, "%.6g %.6g \"%c\"\n", x, y, ramp[k]);
			} else {
				fprintf(s->fp, "%.6g %.6g %.6g\n", x, y, val);
			}
		}
	}
	fputs("EOD\n", s->fp);
	snprintf(title, sizeof title, "%s: %llu frames x %llu mel bands, %.2f s%s", paths[0],
	         (unsigned long long)T, (unsigned long long)M, T / fps,
	         (m.meta.flags & MEL_FLAG_SILENT) ? " (silent input)" : "");
	header(s->fp, o, title, NULL);
	fprintf(s->fp, "set xlabel 'time (s)'\nset ylabel 'mel band'\nset xrange [0:%.6g]\n"
	        "set yrange [-0.5:%.6g]\nset grid noxtics noytics\n", T / fps, M - 0.5);
	if (o->term == TERM_DUMB) {
		fputs("plot $mel u 1:2:3 with labels notitle\n", s->fp);
	} else {
		fprintf(s->fp, "set cbrange [%g:%g]\nset cblabel '%s'\n"
		        "set palette defined (0 '#000004', 1 '#3b0f70', 2 '#8c2981', 3 '#de4968', "
		        "4 '#fe9f6d', 5 '#fcfdbf')\nset tics out\n"
		        "plot $mel u 1:2:3 with image notitle\n", m.meta.vmin, m.meta.vmax,
		        m.meta.scale == MEL_SCALE_DB ? "dB" : "log(1 + 10 mel)");
	}
	free(v);
	mel_free(&m);
	return 0;
}

/* Appends "key value" (comma-separated) to buf when kv has key. */
static void append_kv(char *buf, size_t cap, const struct kv *kv, const char *key)
{
	const char *val = kv_get(kv, key);
	size_t len = strlen(buf);

	if (val != NULL && len < cap)
		snprintf(buf + len, cap - len, "%s%s %s", len ? ", " : "", key, val);
}

/* --- hist ------------------------------------------------------------------ */

int plot_hist(struct plot_script *s, const struct plot_opts *o, char **paths, int n)
{
	static const enum input_kind wanted[] = { IN_MELHIST, IN_KV };
	const char *in[2];
	struct table t;
	struct kv kv;
	int c[3], rc = -1, have_kv = 0;
	double total = 0;

	if (sort_inputs(paths, n, wanted, 2, in, "hist") != 0)
		return -1;
	if (in[0] == NULL) {
		warnx("hist: no histogram TSV (`mel-stats --hist FILE`) among the inputs");
		return -1;
	}
	if (table_read(in[0], &t) != 0)
		return -1;
	if (in[1] != NULL) {
		if (kv_read(in[1], &kv) != 0)
			goto done;
		have_kv = 1;
	}
	if ((c[0] = table_need(&t, "lo")) < 0 || (c[1] = table_need(&t, "hi")) < 0 ||
	    (c[2] = table_need(&t, "count")) < 0)
		goto done;
	if (t.nrows == 0) {
		warnx("%s: no bins; nothing to plot", t.path);
		goto done;
	}
	fputs("$hist << EOD\n", s->fp);
	for (size_t r = 0; r < t.nrows; r++) {
		double lo, hi, cnt;

		if (table_num(&t, r, c[0], &lo) || table_num(&t, r, c[1], &hi) ||
		    table_num(&t, r, c[2], &cnt))
			goto done;
		if (!(lo < hi) || !(cnt >= 0)) {
			warnx("%s:%lu: a bin needs lo < hi and count >= 0", t.path, t.lineno[r]);
			goto done;
		}
		total += cnt;
		fprintf(s->fp, "%.9g %.9g %.17g\n", lo, hi, cnt);
	}
	fputs("EOD\n", s->fp);
	if (!(total > 0)) {
		warnx("%s: every bin is empty; nothing to plot", t.path);
		goto done;
	}
	header(s->fp, o, "mel value distribution", NULL);
	if (have_kv) {
		static const char *const keys[] = { "files", "frames", "mel_mean", "mel_std" };
		char label[512] = "";

		for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
			append_kv(label, sizeof label, &kv, keys[i]);
		fputs("set label 1 at graph 0.02, graph 0.95 left front ", s->fp);
		plot_quote(s->fp, label);
		fputc('\n', s->fp);
	}
	/* log counts: the -80 dB floor holds far more cells than any other bin */
	fprintf(s->fp, "set xlabel 'value (dB)'\nset ylabel 'cells (log scale)'\nset logscale y\n"
	        "set style fill solid 0.7 border -1\n"
	        "plot $hist u (($1+$2)/2):3:($2-$1) with boxes lc rgb '%s' notitle\n", COLOURS[0]);
	rc = 0;
done:
	table_free(&t);
	if (have_kv)
		kv_free(&kv);
	return rc;
}

/* --- eval ------------------------------------------------------------------ */

#define MAX_NAMES 32

/* Index of name in list (appending it when new); -1 when the list is full. */
static int intern(const char **list, int *n, const char *name)
{
	for (int i = 0; i < *n; i++)
		if (strcmp(list[i], name) == 0)
			return i;
	if (*n == MAX_NAMES)
		return -1;
	list[*n] = name;
	return (*n)++;
}

/* Bars: each (metric, setting) a cluster, one bar per model. */
static int eval_bars(FILE *fp, const struct table *t)
{
	const char *groups[MAX_NAMES][2], *models[MAX_NAMES];
	double val[MAX_NAMES][MAX_NAMES];
	int c[4], ng = 0, nm = 0;

	if ((c[0] = table_need(t, "metric")) < 0 || (c[1] = table_need(t, "setting")) < 0 ||
	    (c[2] = table_need(t, "model")) < 0 || (c[3] = table_need(t, "value")) < 0)
		return -1;
	if (t->nrows == 0) {
		warnx("%s: no rows; nothing to plot", t->path);
		return -1;
	}
	for (int i = 0; i < MAX_NAMES; i++)
		for (int j = 0; j < MAX_NAMES; j++)
			val[i][j] = NAN;
	/* fixed order for the usual models so colours mean the same everywhere */
	intern(models, &nm, "dcue");
	intern(models, &nm, "popularity");
	intern(models, &nm, "random");
	for (size_t r = 0; r < t->nrows; r++) {
		const char *metric = t->rows[r][c[0]], *setting = t->rows[r][c[1]];
		int g = -1, mo;
		double v;

		for (int i = 0; i < ng; i++)
			if (!strcmp(groups[i][0], metric) && !strcmp(groups[i][1], setting))
				g = i;
		if (g < 0 && ng < MAX_NAMES) {
			g = ng++;
			groups[g][0] = metric;
			groups[g][1] = setting;
		}
		mo = intern(models, &nm, t->rows[r][c[2]]);
		if (g < 0 || mo < 0) {
			warnx("%s:%lu: more than %d metric/setting pairs or models", t->path,
			      t->lineno[r], MAX_NAMES);
			return -1;
		}
		if (table_num(t, r, c[3], &v) != 0)
			return -1;
		val[g][mo] = v;
	}
	fputs("$report << EOD\n", fp);
	for (int g = 0; g < ng; g++) {
		fprintf(fp, "\"%s %s\"", groups[g][0], groups[g][1]);
		for (int mo = 0; mo < nm; mo++)
			num(fp, val[g][mo]);
		fputc('\n', fp);
	}
	fputs("EOD\n", fp);
	fputs("set style data histograms\nset style histogram clustered gap 1\n"
	      "set style fill solid 0.8 border -1\nset boxwidth 0.9\nset yrange [0:1.05]\n"
	      "set xtics rotate by -30 nomirror\nset ylabel 'value'\nset key top right\n"
	      "set rmargin 8\nplot ",
	      fp);
	for (int mo = 0; mo < nm; mo++) {
		if (mo > 0)
			fputs(", ", fp);
		fprintf(fp, "$report u %d%s lc rgb '%s' t ", mo + 2, mo == 0 ? ":xtic(1)" : "",
		        COLOURS[mo % 5]);
		plot_quote(fp, models[mo]);
	}
	fputs("\n", fp);
	return 0;
}

/* The distribution of per-playlist AUC: one line per (setting, model),
 * random left out (it is the flat reference), as the fraction of
 * playlists in each of 20 bins over [0, 1], the mean in the legend. */
static int eval_auc_hist(FILE *fp, const struct table *t)
{
	enum { BINS = 20 };
	char names[MAX_NAMES][160];
	double count[MAX_NAMES][BINS] = { { 0 } }, sum[MAX_NAMES] = { 0 }, tot[MAX_NAMES] = { 0 };
	int c[3], ns = 0;

	if ((c[0] = table_need(t, "setting")) < 0 || (c[1] = table_need(t, "model")) < 0 ||
	    (c[2] = table_need(t, "auc")) < 0)
		return -1;
	for (size_t r = 0; r < t->nrows; r++) {
		double a;
		int k;

		if (strcmp(t->rows[r][c[1]], "random") == 0)
			continue;
		if (table_num(t, r, c[2], &a) != 0)
			return -1;
		if (isnan(a))
			continue;
		if (a < 0 || a > 1) {
			warnx("%s:%lu: an AUC of %g is outside [0, 1]", t->path, t->lineno[r], a);
			return -1;
		}
		char key[sizeof names[0]];

		snprintf(key, sizeof key, "%s %s", t->rows[r][c[1]], t->rows[r][c[0]]);
		for (k = 0; k < ns; k++)
			if (strcmp(names[k], key) == 0)
				break;
		if (k == ns) {
			if (ns == MAX_NAMES) {
				warnx("%s: more than %d setting/model pairs", t->path, MAX_NAMES);
				return -1;
			}
			memcpy(names[ns++], key, sizeof key);
		}
		int b = (int)(a * BINS);

		count[k][b < BINS ? b : BINS - 1] += 1;
		sum[k] += a;
		tot[k] += 1;
	}
	if (ns == 0) {
		warnx("%s: no per-playlist AUC rows; nothing to plot", t->path);
		return -1;
	}
	fputs("$auc << EOD\n", fp);
	for (int b = 0; b < BINS; b++) {
		fprintf(fp, "%.4g", (b + 0.5) / BINS);
		for (int k = 0; k < ns; k++)
			num(fp, count[k][b] / tot[k]);
		fputc('\n', fp);
	}
	fputs("EOD\n", fp);
	fputs("set style data lines\nset xrange [0:1]\nset yrange [0:*]\nset xtics norotate\n"
	      "set xlabel 'per-playlist AUC'\nset ylabel 'fraction of playlists'\n"
	      "set key top left\nplot ", fp);
	for (int k = 0; k < ns; k++) {
		char title[200];

		snprintf(title, sizeof title, "%.150s (mean %.3f, %.0f playlists)", names[k],
		         sum[k] / tot[k], tot[k]);
		fprintf(fp, "%s$auc u 1:%d w histeps lw 2 lc rgb '%s' dt %d t ", k ? ", " : "",
		        k + 2, COLOURS[(strncmp(names[k], "dcue", 4) == 0 ? 0 : 1) +
		                        2 * (strstr(names[k], "cold") != NULL)],
		        strstr(names[k], "paper") != NULL ? 3 : 1);
		plot_quote(fp, title);
	}
	fputc('\n', fp);
	return 0;
}

int plot_eval(struct plot_script *s, const struct plot_opts *o, char **paths, int n)
{
	static const enum input_kind wanted[] = { IN_REPORT, IN_PERPLAYLIST };
	const char *in[2];
	struct table rep, per;
	int rc = -1;

	memset(&rep, 0, sizeof rep);
	memset(&per, 0, sizeof per);
	if (sort_inputs(paths, n, wanted, 2, in, "eval") != 0)
		return -1;
	if (in[0] == NULL && in[1] == NULL) {
		warnx("eval: give the report (`dcue-train eval --report FILE`) and/or the "
		      "per-playlist TSV (--per-playlist FILE)");
		return -1;
	}
	if ((in[0] != NULL && table_read(in[0], &rep) != 0) ||
	    (in[1] != NULL && table_read(in[1], &per) != 0))
		goto done;
	header(s->fp, o, "evaluation: DCUE against the popularity and random baselines",
	       in[0] != NULL && in[1] != NULL ? "2,1" : NULL);
	if (in[0] != NULL && eval_bars(s->fp, &rep) != 0)
		goto done;
	if (in[0] != NULL && in[1] != NULL)
		fputs("reset\nset datafile missing NaN\nset grid lc rgb '#dddddd'\n", s->fp);
	if (in[1] != NULL && eval_auc_hist(s->fp, &per) != 0)
		goto done;
	if (in[0] != NULL && in[1] != NULL)
		fputs("unset multiplot\n", s->fp);
	rc = 0;
done:
	table_free(&rep);
	table_free(&per);
	return rc;
}

/* --- stats ----------------------------------------------------------------- */

int plot_stats(struct plot_script *s, const struct plot_opts *o, char **paths, int n)
{
	static const enum input_kind wanted[] = { IN_MPDHIST, IN_KV };
	static const char *const whats[] = { "playlist_length", "track_occurrences" };
	const char *in[2];
	struct table t;
	struct kv kv;
	int c[3], rc = -1, have_kv = 0;
	char title[600] = "";

	if (sort_inputs(paths, n, wanted, 2, in, "stats") != 0)
		return -1;
	if (in[0] == NULL) {
		warnx("stats: no histograms TSV (`mpd-parse stats --histograms FILE`) among the inputs");
		return -1;
	}
	if (table_read(in[0], &t) != 0)
		return -1;
	if (in[1] != NULL) {
		if (kv_read(in[1], &kv) != 0)
			goto done;
		have_kv = 1;
	}
	if ((c[0] = table_need(&t, "what")) < 0 || (c[1] = table_need(&t, "value")) < 0 ||
	    (c[2] = table_need(&t, "count")) < 0)
		goto done;
	for (int w = 0; w < 2; w++) {
		size_t rows = 0;

		fprintf(s->fp, "$%s << EOD\n", whats[w]);
		for (size_t r = 0; r < t.nrows; r++) {
			double v, cnt;

			if (strcmp(t.rows[r][c[0]], whats[w]) != 0)
				continue;
			if (table_num(&t, r, c[1], &v) || table_num(&t, r, c[2], &cnt))
				goto done;
			if (!(v >= 0) || !(cnt >= 0)) {
				warnx("%s:%lu: value and count must be >= 0", t.path, t.lineno[r]);
				goto done;
			}
			fprintf(s->fp, "%.17g %.17g\n", v, cnt);
			rows++;
		}
		fputs("EOD\n", s->fp);
		if (rows == 0) {
			warnx("%s: no %s rows; nothing to plot", t.path, whats[w]);
			goto done;
		}
	}
	if (have_kv) {
		static const char *const keys[] = { "playlists", "interactions", "unique_tracks",
			                            "unique_artists", "playlist_length_mean" };

		for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
			append_kv(title, sizeof title, &kv, keys[i]);
	}
	header(s->fp, o, title[0] ? title : "dataset statistics", "1,2");
	fprintf(s->fp, "set logscale y\nset xlabel 'playlist length (tracks)'\n"
	        "set ylabel 'playlists'\nplot $playlist_length u 1:2 w impulses lw 2 lc rgb '%s' "
	        "notitle\n", COLOURS[0]);
	fprintf(s->fp, "set logscale xy\nset xlabel 'occurrences (playlists per track)'\n"
	        "set ylabel 'tracks'\nplot $track_occurrences u 1:($1 > 0 ? $2 : NaN) w p pt 7 "
	        "ps 0.6 lc rgb '%s' notitle\nunset multiplot\n", COLOURS[1]);
	rc = 0;
done:
	table_free(&t);
	if (have_kv)
		kv_free(&kv);
	return rc;
}
