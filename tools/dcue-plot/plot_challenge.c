/* plot_challenge.c — RecSys Challenge 2018 figures per category, dcue next
 * to popularity: one panel per metric (R-precision, NDCG, clicks) at track
 * level, from dcue-train score --tsv. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inputs.h"
#include "msg.h"
#include "plot_common.h"
#include "plots.h"

#define MAX_MODELS 8
#define N_CATS 11                 /* all, 1..10 */

static const char *const metrics[] = { "rprecision", "ndcg", "clicks" };
static const char *const labels[] = { "R-precision (higher is better)",
                                      "NDCG (higher is better)",
                                      "clicks (lower is better)" };

/* "all" → 0, "1".."10" → 1..10, else -1 */
static int category(const char *s)
{
	char *end;
	long v;

	if (strcmp(s, "all") == 0)
		return 0;
	v = strtol(s, &end, 10);
	return *s != '\0' && *end == '\0' && v >= 1 && v <= 10 ? (int)v : -1;
}

int plot_challenge(struct plot_script *s, const struct plot_opts *o, char **paths, int n)
{
	struct table t;
	const char *models[MAX_MODELS];
	double val[3][N_CATS][MAX_MODELS];
	int c[5], nm = 0, seen[N_CATS] = { 0 }, rc = -1;

	if (n != 1) {
		warnx("challenge: give one file, dcue-train score --tsv's");
		return -1;
	}
	memset(&t, 0, sizeof t);
	if (table_read(paths[0], &t) != 0)
		return -1;
	if ((c[0] = table_need(&t, "metric")) < 0 || (c[1] = table_need(&t, "level")) < 0 ||
	    (c[2] = table_need(&t, "category")) < 0 || (c[3] = table_need(&t, "model")) < 0 ||
	    (c[4] = table_need(&t, "value")) < 0)
		goto done;
	for (int m = 0; m < 3; m++)
		for (int k = 0; k < N_CATS; k++)
			for (int j = 0; j < MAX_MODELS; j++)
				val[m][k][j] = NAN;
	models[nm++] = "dcue";            /* fixed order: the colours of every plot */
	models[nm++] = "popularity";
	for (size_t r = 0; r < t.nrows; r++) {
		int m, k, j;
		double v;

		if (strcmp(t.rows[r][c[1]], "track") != 0)
			continue;
		for (m = 0; m < 3 && strcmp(t.rows[r][c[0]], metrics[m]) != 0; m++)
			;
		if (m == 3)
			continue;
		if ((k = category(t.rows[r][c[2]])) < 0) {
			warnx("%s:%lu: category '%s' is not all or 1-10", t.path, t.lineno[r],
			      t.rows[r][c[2]]);
			goto done;
		}
		for (j = 0; j < nm && strcmp(models[j], t.rows[r][c[3]]) != 0; j++)
			;
		if (j == nm) {
			if (nm == MAX_MODELS) {
				warnx("%s:%lu: more than %d models", t.path, t.lineno[r], MAX_MODELS);
				goto done;
			}
			models[nm++] = t.rows[r][c[3]];
		}
		if (table_num(&t, r, c[4], &v) != 0)
			goto done;
		val[m][k][j] = v;
		seen[k] = 1;
	}
	int ncat = 0;
	for (int k = 0; k < N_CATS; k++)
		ncat += seen[k];
	if (ncat == 0) {
		warnx("%s: no track-level rprecision, ndcg or clicks rows; nothing to plot", t.path);
		goto done;
	}
	plot_header(s->fp, o, "RecSys Challenge 2018 metrics by category: dcue and popularity",
	            "3,1");
	for (int m = 0; m < 3; m++) {
		fprintf(s->fp, "$%s << EOD\n", metrics[m]);
		for (int k = 0; k < N_CATS; k++) {
			if (!seen[k])
				continue;
			if (k == 0)
				fputs("\"all\"", s->fp);
			else
				fprintf(s->fp, "\"%d\"", k);
			for (int j = 0; j < nm; j++)
				plot_num(s->fp, val[m][k][j]);
			fputc('\n', s->fp);
		}
		fputs("EOD\n", s->fp);
		fputs("set style data histograms\nset style histogram clustered gap 1\n"
		      "set style fill solid 0.8 border -1\nset boxwidth 0.9\n"
		      "set xtics nomirror\nset key top right\nset yrange [0:*]\n", s->fp);
		fputs("set ylabel ", s->fp);
		plot_quote(s->fp, labels[m]);
		fprintf(s->fp, "\nset xlabel %s\nplot ", m == 2 ? "'category'" : "''");
		for (int j = 0; j < nm; j++) {
			if (j > 0)
				fputs(", ", s->fp);
			fprintf(s->fp, "$%s u %d%s lc rgb '%s' t ", metrics[m], j + 2,
			        j == 0 ? ":xtic(1)" : "", plot_colours[j % 5]);
			plot_quote(s->fp, models[j]);
		}
		fputc('\n', s->fp);
	}
	fputs("unset multiplot\n", s->fp);
	rc = 0;
done:
	table_free(&t);
	return rc;
}
