/* plots.h — one function per kind of plot.  Each reads and validates its
 * inputs (paths[n]), writes the gnuplot script's body (styles, datablocks,
 * plot commands) into s, and returns 0, or -1 after a message naming the
 * bad input, in which case nothing is drawn. */
#ifndef DCUE_PLOT_PLOTS_H
#define DCUE_PLOT_PLOTS_H

#include "gnuplot.h"

int plot_curves(struct plot_script *s, const struct plot_opts *o, char **paths, int n);
int plot_mel(struct plot_script *s, const struct plot_opts *o, char **paths, int n,
             int max_frames);
int plot_hist(struct plot_script *s, const struct plot_opts *o, char **paths, int n);
int plot_eval(struct plot_script *s, const struct plot_opts *o, char **paths, int n);
int plot_stats(struct plot_script *s, const struct plot_opts *o, char **paths, int n);
int plot_challenge(struct plot_script *s, const struct plot_opts *o, char **paths, int n);

#endif
