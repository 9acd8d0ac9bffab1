/* plot_hist.c — distributions: mel values (hist) and dataset statistics
 * (stats). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inputs.h"
#include "msg.h"
#include "plot_common.h"
#include "plots.h"

/* Both plots take a TSV with three named columns and, optionally, a
 * key-value file.  Reads them and finds the columns; -1 (reported) when an
 * input is missing or malformed, with nothing left to free. */
static int load_table_kv(char **paths, int n, const enum input_kind *wanted, const char *plot,
                         const char *hint, const char *const cols[3], struct table *t,
                         struct kv *kv, int *have_kv, int c[3])
{
	const char *in[2];

	*have_kv = 0;
	if (plot_sort_inputs(paths, n, wanted, 2, in, plot) != 0)
		return -1;
	if (in[0] == NULL) {
		warnx("%s: no %s among the inputs", plot, hint);
		return -1;
	}
	if (table_read(in[0], t) != 0)
		return -1;
	if (in[1] != NULL) {
		if (kv_read(in[1], kv) != 0)
			goto fail;
		*have_kv = 1;
	}
	for (int i = 0; i < 3; i++)
		if ((c[i] = table_need(t, cols[i])) < 0)
			goto fail;
	return 0;
fail:
	table_free(t);
	if (*have_kv)
		kv_free(kv);
	*have_kv = 0;
	return -1;
}

/* --- hist ------------------------------------------------------------------ */

int plot_hist(struct plot_script *s, const struct plot_opts *o, char **paths, int n)
{
	static const enum input_kind wanted[] = { IN_MELHIST, IN_KV };
	struct table t;
	struct kv kv;
	int c[3], rc = -1, have_kv = 0;
	double total = 0;

	static const char *const cols[3] = { "lo", "hi", "count" };

	if (load_table_kv(paths, n, wanted, "hist", "histogram TSV (`mel-stats --hist FILE`)", cols,
	                  &t, &kv, &have_kv, c) != 0)
		return -1;
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
	plot_header(s->fp, o, "mel value distribution", NULL);
	if (have_kv) {
		static const char *const keys[] = { "files", "frames", "mel_mean", "mel_std" };
		char label[512] = "";

		for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
			plot_append_kv(label, sizeof label, &kv, keys[i]);
		fputs("set label 1 at graph 0.02, graph 0.95 left front ", s->fp);
		plot_quote(s->fp, label);
		fputc('\n', s->fp);
	}
	/* log counts: the -80 dB floor holds far more cells than any other bin */
	fprintf(s->fp, "set xlabel 'value (dB)'\nset ylabel 'cells (log scale)'\nset logscale y\n"
	        "set style fill solid 0.7 border -1\n"
	        "plot $hist u (($1+$2)/2):3:($2-$1) with boxes lc rgb '%s' notitle\n", plot_colours[0]);
	rc = 0;
done:
	table_free(&t);
	if (have_kv)
		kv_free(&kv);
	return rc;
}

/* --- stats ----------------------------------------------------------------- */

int plot_stats(struct plot_script *s, const struct plot_opts *o, char **paths, int n)
{
	static const enum input_kind wanted[] = { IN_MPDHIST, IN_KV };
	static const char *const whats[] = { "playlist_length", "track_occurrences" };
	struct table t;
	struct kv kv;
	int c[3], rc = -1, have_kv = 0;
	char title[600] = "";

	static const char *const cols[3] = { "what", "value", "count" };

	if (load_table_kv(paths, n, wanted, "stats",
	                  "histograms TSV (`mpd-parse stats --histograms FILE`)", cols, &t, &kv,
	                  &have_kv, c) != 0)
		return -1;
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
			plot_append_kv(title, sizeof title, &kv, keys[i]);
	}
	plot_header(s->fp, o, title[0] ? title : "dataset statistics", "1,2");
	fprintf(s->fp, "set logscale y\nset xlabel 'playlist length (tracks)'\n"
	        "set ylabel 'playlists'\nplot $playlist_length u 1:2 w impulses lw 2 lc rgb '%s' "
	        "notitle\n", plot_colours[0]);
	fprintf(s->fp, "set logscale xy\nset xlabel 'occurrences (playlists per track)'\n"
	        "set ylabel 'tracks'\nplot $track_occurrences u 1:($1 > 0 ? $2 : NaN) w p pt 7 "
	        "ps 0.6 lc rgb '%s' notitle\nunset multiplot\n", plot_colours[1]);
	rc = 0;
done:
	table_free(&t);
	if (have_kv)
		kv_free(&kv);
	return rc;
}
