/* gnuplot.c — see gnuplot.h. */
#define _GNU_SOURCE
#include "gnuplot.h"
#include "fdio.h"

#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "atomic.h"
#include "msg.h"

extern char **environ;

void plot_script_init(struct plot_script *s)
{
	s->buf = NULL;
	s->len = 0;
	s->fp = open_memstream(&s->buf, &s->len);
	if (s->fp == NULL)
		die(EXIT_WORK, "open_memstream");
}

void plot_script_free(struct plot_script *s)
{
	if (s->fp != NULL)
		fclose(s->fp);
	free(s->buf);
	s->fp = NULL;
	s->buf = NULL;
}

void plot_quote(FILE *fp, const char *text)
{
	fputc('\'', fp);
	for (const char *p = text; *p != '\0'; p++) {
		if (*p == '\'')
			fputc('\'', fp);
		/* a newline would end the command; control characters have no use */
		fputc((unsigned char)*p < 0x20 ? ' ' : *p, fp);
	}
	fputc('\'', fp);
}

void plot_terminal(FILE *fp, const struct plot_opts *o)
{
	switch (o->term) {
	case TERM_PNG:
		fprintf(fp, "set terminal pngcairo size %d,%d noenhanced font 'sans,10'\n",
		        o->width, o->height);
		break;
	case TERM_SVG:
		fprintf(fp, "set terminal svg size %d,%d noenhanced font 'sans,10' background '#ffffff'\n",
		        o->width, o->height);
		break;
	case TERM_DUMB:
		fprintf(fp, "set terminal dumb size %d,%d noenhanced\n", o->width, o->height);
		break;
	}
}

/* 0 when gnuplot ran and exited 0; otherwise a message naming the image
 * it was drawing (shown) and -1. */
static int run_gnuplot(const char *prog, const char *script, size_t len, const char *shown)
{
	int fds[2];
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int status, rc, wrc, werr;
	char *argv[] = { (char *)prog, NULL };

	if (pipe(fds) != 0)
		die(EXIT_WORK, "pipe");
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[0], STDIN_FILENO);
	/* gnuplot's own chatter never reaches our stdout, which may be data */
	posix_spawn_file_actions_adddup2(&fa, STDERR_FILENO, STDOUT_FILENO);
	posix_spawn_file_actions_addclose(&fa, fds[0]);
	posix_spawn_file_actions_addclose(&fa, fds[1]);
	rc = posix_spawnp(&pid, prog, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[0]);
	if (rc != 0) {
		close(fds[1]);
		warnx("cannot run %s: %s (install gnuplot, e.g. the Debian package gnuplot-nox, "
		      "or name it with --gnuplot or GNUPLOT)", prog, strerror(rc));
		return -1;
	}
	wrc = write_all(fds[1], script, len);
	werr = errno;
	close(fds[1]);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			die(EXIT_WORK, "waitpid %s", prog);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
		warnx("cannot run %s (exit 127)", prog);
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		if (WIFSIGNALED(status))
			warnx("%s: %s was killed by signal %d (%s)", shown, prog, WTERMSIG(status),
			      strsignal(WTERMSIG(status)));
		else
			warnx("%s: %s failed (exit %d) on the plot script", shown, prog,
			      WEXITSTATUS(status));
		return -1;
	}
	if (wrc != 0) {
		warnx("writing the script to %s: %s", prog, strerror(werr));
		return -1;
	}
	return 0;
}

/* The image gnuplot wrote must be non-empty, look like the terminal's
 * format and be complete: gnuplot can exit 0 after a plot that drew
 * nothing, and its PNG and SVG drivers exit 0 when a full disk or a
 * file-size limit cut their file short. */
static int check_image(const char *path, enum plot_term term, const char *shown)
{
	static const unsigned char iend[12] = { 0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xAE, 0x42, 0x60, 0x82 };
	unsigned char head[512], tail[64];
	FILE *fp = fopen(path, "rb");
	size_t n, nt = 0;

	if (fp == NULL) {
		warn("%s: gnuplot wrote no image", shown);
		return -1;
	}
	n = fread(head, 1, sizeof head - 1, fp);
	if (n > 0 && fseek(fp, n < sizeof tail ? 0 : -(long)sizeof tail, SEEK_END) == 0)
		nt = fread(tail, 1, sizeof tail, fp);
	fclose(fp);
	head[n] = '\0';
	if (n == 0) {
		warnx("%s: expected an image, gnuplot wrote an empty file (full disk or file-size limit?)", shown);
		return -1;
	}
	if (term == TERM_PNG && (n < 8 || memcmp(head, "\x89PNG\r\n\x1a\n", 8) != 0)) {
		warnx("%s: expected a PNG image from gnuplot, found something else", shown);
		return -1;
	}
	if (term == TERM_PNG && (nt < sizeof iend || memcmp(tail + nt - sizeof iend, iend,
	                                                    sizeof iend) != 0)) {
		warnx("%s: expected a complete PNG image from gnuplot, found one cut short "
		      "(full disk or file-size limit?)", shown);
		return -1;
	}
	if (term == TERM_SVG && strstr((const char *)head, "<svg") == NULL) {
		warnx("%s: expected an SVG image from gnuplot, found something else", shown);
		return -1;
	}
	if (term == TERM_SVG && (nt == 0 || memmem(tail, nt, "</svg>", 6) == NULL)) {
		warnx("%s: expected a complete SVG image from gnuplot, found one cut short "
		      "(full disk or file-size limit?)", shown);
		return -1;
	}
	return 0;
}

static int copy_to_stdout(const char *path)
{
	char buf[65536];
	size_t n;
	FILE *fp = fopen(path, "rb");

	if (fp == NULL) {
		warn("%s", path);
		return -1;
	}
	while ((n = fread(buf, 1, sizeof buf, fp)) > 0) {
		if (fwrite(buf, 1, n, stdout) != n)
			break;
	}
	fclose(fp);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		warn("writing stdout");
		return -1;
	}
	return 0;
}

/* The script is written now and committed with the image (one set). */
static int save_script(struct atomic_file *af, const char *path, const char *text, size_t len)
{
	if (atomic_open(af, path) != 0) {
		warn("%s: cannot write", path);
		return -1;
	}
	if (fwrite(text, 1, len, af->fp) != len) {
		warn("%s: cannot write", path);
		atomic_abort(af);
		return -1;
	}
	return 0;
}

static void build_full(struct plot_script *full, const struct plot_script *body,
                       const struct plot_opts *o, const char *output)
{
	fputs("# dcue-plot: a gnuplot script with its data; run it with `gnuplot FILE`\n", full->fp);
	plot_terminal(full->fp, o);
	fputs("set output ", full->fp);
	plot_quote(full->fp, output);
	fputc('\n', full->fp);
	fwrite(body->buf, 1, body->len, full->fp);
	fputs("unset output\n", full->fp);
	if (fflush(full->fp) != 0)
		die(EXIT_WORK, "building the plot script");
}

int plot_run(struct plot_script *s, const struct plot_opts *o, const char *out)
{
	struct plot_script full;
	struct atomic_file af, sf = { 0 };
	char tmpl[4096];
	const char *tmp;
	int to_stdout = strcmp(out, "-") == 0, rc = -1;

	if (fflush(s->fp) != 0)
		die(EXIT_WORK, "building the plot script");
	/* The image goes to a temporary file next to the target (or in TMPDIR
	 * for stdout); gnuplot truncates and writes that same file. */
	if (to_stdout) {
		const char *td = getenv("TMPDIR");
		int fd, n = snprintf(tmpl, sizeof tmpl, "%s/dcue-plot.XXXXXX",
		                     td != NULL && *td != '\0' ? td : "/tmp");

		if (n < 0 || (size_t)n >= sizeof tmpl)
			diex(EXIT_WORK, "TMPDIR is too long");
		if ((fd = mkstemp(tmpl)) < 0)
			die(EXIT_WORK, "%s: cannot write", tmpl);
		close(fd);
		tmp = tmpl;
	} else {
		if (atomic_open(&af, out) != 0) {
			warn("%s: cannot write", out);
			return -1;
		}
		tmp = af.tmp;
	}

	if (o->script_out != NULL) {
		/* the saved copy writes to the final name, so `gnuplot FILE` redoes the plot */
		plot_script_init(&full);
		build_full(&full, s, o, to_stdout ? "dcue-plot.out" : out);
		if (save_script(&sf, o->script_out, full.buf, full.len) != 0) {
			plot_script_free(&full);
			goto fail;
		}
		plot_script_free(&full);
	}
	plot_script_init(&full);
	build_full(&full, s, o, tmp);
	if (run_gnuplot(o->gnuplot, full.buf, full.len, out) != 0)
		goto done;
	if (check_image(tmp, o->term, out) != 0)
		goto done;
	if (to_stdout) {
		rc = copy_to_stdout(tmp);
		if (rc == 0 && sf.fp != NULL && atomic_commit(&sf) != 0)
			warn("%s: cannot write", o->script_out), rc = -1;
	} else {
		struct atomic_file *set[2] = { &af, &sf };
		size_t bad;
		if (atomic_commit_set(set, sf.fp != NULL ? 2 : 1, &bad) == 0)
			rc = 0;
		else
			warn("%s: cannot write", bad == 0 ? out : o->script_out);
	}
done:
	plot_script_free(&full);
	if (rc != 0)
		atomic_abort(&sf);
fail:
	if (to_stdout)
		unlink(tmpl);
	else if (rc != 0)
		atomic_abort(&af);
	return rc;
}
