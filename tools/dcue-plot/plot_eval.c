/* plot_eval.c — the evaluation report against the baselines, and the
 * distribution of per-playlist AUC. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inputs.h"
#include "msg.h"
#include "plot_common.h"
#include "plots.h"

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
			plot_num(fp, val[g][mo]);
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
		        plot_colours[mo % 5]);
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
			plot_num(fp, count[k][b] / tot[k]);
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
		        k + 2, plot_colours[(strncmp(names[k], "dcue", 4) == 0 ? 0 : 1) +
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
	if (plot_sort_inputs(paths, n, wanted, 2, in, "eval") != 0)
		return -1;
	if (in[0] == NULL && in[1] == NULL) {
		warnx("eval: give the report (`dcue-train eval --report FILE`) and/or the "
		      "per-playlist TSV (--per-playlist FILE)");
		return -1;
	}
	if ((in[0] != NULL && table_read(in[0], &rep) != 0) ||
	    (in[1] != NULL && table_read(in[1], &per) != 0))
		goto done;
	plot_header(s->fp, o, "evaluation: DCUE against the popularity and random baselines",
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
