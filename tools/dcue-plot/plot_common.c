/* plot_common.c — what every plot shares: number output, the header,
 * sorting the inputs by kind.  See plot_common.h. */
#include "plot_common.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"

const char *const plot_colours[] = { "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd" };

void plot_num(FILE *fp, double v)
{
	if (isnan(v))
		fputs(" NaN", fp);
	else
		fprintf(fp, " %.9g", v);
}

/* Common settings and the title: of the whole page when layout (e.g. "2,1")
 * starts a multiplot, else of the single plot. */
void plot_header(FILE *fp, const struct plot_opts *o, const char *fallback,
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
int plot_sort_inputs(char **paths, int n, const enum input_kind *wanted, int nw,
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
			warnx("%s: kind \"%s\", which `dcue-plot %s` does not draw (or a second one)",
			      paths[i], input_kind_name(k), plot);
			return -1;
		}
	}
	return 0;
}

/* Appends "key value" (comma-separated) to buf when kv has key. */
void plot_append_kv(char *buf, size_t cap, const struct kv *kv, const char *key)
{
	const char *val = kv_get(kv, key);
	size_t len = strlen(buf);

	if (val != NULL && len < cap)
		snprintf(buf + len, cap - len, "%s%s %s", len ? ", " : "", key, val);
}
