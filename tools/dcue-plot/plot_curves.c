/* plot_curves.c — training curves from a metrics TSV or checkpoint. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inputs.h"
#include "msg.h"
#include "plot_common.h"
#include "plots.h"

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
				plot_num(s->fp, rows[r].v[i]);
			fputc('\n', s->fp);
		}
		fputs("EOD\n", s->fp);
	}

	fprintf(s->fp, "set xrange [0:%g]\nset lmargin 10\nset rmargin 3\n", fmax(max_x, 1));
	plot_header(s->fp, o, "training curves", "2,1");
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
			        plot_colours[0]);
			sep = ", ";
		}
		if (curve_has(rows, t.nrows, 0, va)) {
			fprintf(s->fp, "%s$epoch u 1:%d w lp pt 5 lc rgb '%s' t 'validation'", sep,
			        va + 1, plot_colours[1]);
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
