/* plot_common.h — helpers the plot writers share.
 *
 * Data go into the script as datablocks, whitespace-separated numbers with
 * NaN for a missing value (`set datafile missing NaN`), so gnuplot receives
 * exactly what a test can read back from --script. */
#ifndef DCUE_PLOT_COMMON_H
#define DCUE_PLOT_COMMON_H

#include <stddef.h>
#include <stdio.h>

#include "gnuplot.h"
#include "inputs.h"

/* Series colours, in the order dcue, popularity, random, ... */
extern const char *const plot_colours[5];

/* " %.9g", or " NaN". */
void plot_num(FILE *fp, double v);
/* Common settings and the title: of the whole page when layout (e.g. "2,1")
 * starts a multiplot, else of the single plot. */
void plot_header(FILE *fp, const struct plot_opts *o, const char *fallback, const char *layout);
/* Assigns each input to the first free slot of its kind in wanted[nw]
 * (found[i] = its path, or NULL); an input of no use to the plot named
 * `plot` is an error.  0, or -1 after a message. */
int plot_sort_inputs(char **paths, int n, const enum input_kind *wanted, int nw,
                     const char **found, const char *plot);
/* Appends "key value" (comma-separated) to buf when kv has key. */
void plot_append_kv(char *buf, size_t cap, const struct kv *kv, const char *key);

#endif
