/* gnuplot.h — running gnuplot on a script, with no shell and no half image.
 *
 * A plot is a gnuplot script built in memory (a FILE * from open_memstream)
 * whose data travel inside it as datablocks ($name << EOD ... EOD), so the
 * script alone reproduces the plot (--script saves it).  plot_run() feeds
 * it to gnuplot's stdin through a pipe (posix_spawnp), lets gnuplot write
 * the image to a temporary file, checks gnuplot's exit status and the
 * image's signature, and only then renames it over the target. */
#ifndef DCUE_PLOT_GNUPLOT_H
#define DCUE_PLOT_GNUPLOT_H

#include <stdio.h>

enum plot_term { TERM_PNG, TERM_SVG, TERM_DUMB };

struct plot_opts {
	enum plot_term term;
	int width, height;          /* pixels (png, svg) or characters (dumb) */
	const char *title;          /* NULL: a default naming the input */
	const char *gnuplot;        /* program to run */
	const char *script_out;     /* also save the script here, or NULL */
};

struct plot_script {
	FILE *fp;                   /* write the script's body here */
	char *buf;
	size_t len;
};

void plot_script_init(struct plot_script *s);
void plot_script_free(struct plot_script *s);

/* 'text' as a gnuplot single-quoted string (quotes doubled). */
void plot_quote(FILE *fp, const char *text);

/* The terminal line for the options (output is set by plot_run). */
void plot_terminal(FILE *fp, const struct plot_opts *o);

/* Runs gnuplot on "set terminal; set output TMP" + the script body and
 * commits the image to out ("-" = stdout).  0 on success; on failure a
 * message is printed, nothing is left at out, and -1 is returned. */
int plot_run(struct plot_script *s, const struct plot_opts *o, const char *out);

#endif
