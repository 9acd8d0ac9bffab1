/* plot_mel.c — one .mel spectrogram as an image (or text shading). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inputs.h"
#include "melfile.h"
#include "msg.h"
#include "plot_common.h"
#include "plots.h"

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
	plot_header(s->fp, o, title, NULL);
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
