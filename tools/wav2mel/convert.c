/* convert.c — see convert.h. */
#define _GNU_SOURCE
#include "convert.h"

#include "msg.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Messages from several lanes must not interleave: stdio's lock on stderr
 * is recursive, so holding it makes warnx's several writes one line. */
void wav2mel_say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	flockfile(stderr);
	vwarnx(fmt, ap);
	funlockfile(stderr);
	va_end(ap);
}

void wav2mel_count(struct ctx *c, int ok)
{
	pthread_mutex_lock(&c->mu);
	if (ok)
		c->done++;
	else
		c->failed++;
	pthread_mutex_unlock(&c->mu);
}

/* ffmpeg's messages span lines; fold them into one, "; " between. */
static const char *one_line(const char *in, char *out, size_t cap)
{
	size_t k = 0;

	for (const char *p = in; *p && k + 3 < cap; p++) {
		if (*p == '\r')
			continue;
		if (*p == '\n') {
			if (p[1] != '\0') {
				out[k++] = ';';
				out[k++] = ' ';
			}
		} else {
			out[k++] = *p;
		}
	}
	out[k] = '\0';
	return out;
}

/* The errors worth catching before ffmpeg does: a clearer message, and in
 * batch mode one bad file does not fail a whole group. */
int wav2mel_precheck(const char *in)
{
	struct stat st;

	if (strcmp(in, "-") == 0)
		return 0;
	if (stat(in, &st) != 0) {
		wav2mel_say("%s: cannot open: %s", in, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		wav2mel_say("%s: expected an audio file, found a directory", in);
		return -1;
	}
	if (S_ISREG(st.st_mode) && st.st_size == 0) {
		wav2mel_say("%s: expected an audio file, found an empty file", in);
		return -1;
	}
	return 0;
}

/* Room for T frames in r->mel, keeping the frames already computed. */
static void reserve_frames(struct result *r, uint64_t T)
{
	if (T * r->M <= r->cap)
		return;
	r->cap = T * r->M + T * r->M / 4;
	r->mel = xrealloc(r->mel, r->cap * sizeof *r->mel);
}

/* Called by the decoder as samples arrive: computes the frames they already
 * determine (melspec_frames_ready), in steps of 64 frames, so most of the
 * spectrogram is done on this core while ffmpeg still decodes on the other. */
static void on_data(void *arg, size_t i, const float *x, size_t n)
{
	struct lane *L = arg;
	struct result *r = &L->res[i];
	uint64_t ready = melspec_frames_ready(&L->ms, n);

	if (ready < r->t_done + 64)
		return;
	r->M = (uint64_t)L->ms.cfg.n_mels;
	reserve_frames(r, ready);
	melspec_compute_frames(&L->ms, x, n, L->c->log1p ? 1 : 2, r->t_done, ready, r->mel);
	r->t_done = ready;
}

/* Spectrogram of one decoded input into r.  Messages wait in r->why until
 * ffmpeg's status says they stand (a failed group is retried, and must
 * not report twice). */
int wav2mel_compute(struct lane *L, const struct job *job, const struct wav2mel_samples *s,
                    struct result *r)
{
	const struct ctx *c = L->c;
	const struct melspec_config *cfg = &L->ms.cfg;
	struct mel_meta *meta = &r->meta;
	int silent;

	r->ok = 0;
	r->why[0] = '\0';
	if (s->n == 0) {
		snprintf(r->why, sizeof r->why, "%s: no audio decoded", job->in);
		return -1;
	}
	/* a float input (WAV, FLAC) can decode to NaN or infinity, or to values
	 * so large that the power spectrum overflows: either would poison the
	 * whole spectrogram (through max S).  Audio is within ±1; ±1e6 leaves
	 * any gain headroom and keeps |X|² far from float's range. */
	for (size_t i = 0; i < s->n; i++)
		if (!(s->x[i] >= -1e6f && s->x[i] <= 1e6f)) {
			if (isfinite(s->x[i]))
				snprintf(r->why, sizeof r->why, "%s: decoded sample %zu is %g (expected "
				         "within ±1e6)", job->in, i, (double)s->x[i]);
			else
				snprintf(r->why, sizeof r->why, "%s: decoded sample %zu is not finite",
				         job->in, i);
			return -1;
		}
	r->T = melspec_n_frames(&L->ms, s->n);
	r->M = (uint64_t)cfg->n_mels;
	reserve_frames(r, r->T);
	memset(meta, 0, sizeof *meta);
	meta->sample_rate = (uint32_t)cfg->sample_rate;
	meta->n_fft = (uint32_t)cfg->n_fft;
	meta->hop = (uint32_t)cfg->hop;
	meta->pad = (uint32_t)cfg->pad;
	/* the frames not yet computed while the samples were arriving */
	melspec_compute_frames(&L->ms, s->x, s->n, c->log1p ? 1 : 2, r->t_done, r->T, r->mel);
	r->t_done = r->T;
	if (c->log1p) {
		float mx = melspec_log1p(r->mel, r->T * r->M);
		meta->scale = MEL_SCALE_LOG1P;
		meta->vmin = 0.0f;
		meta->vmax = mx > 0.0f ? mx : 1.0f;
		silent = !(mx > 0.0f);
	} else {
		meta->scale = MEL_SCALE_DB;
		meta->vmin = -80.0f;
		meta->vmax = 0.0f;
		silent = melspec_power_to_db(r->mel, r->T * r->M, 1e-10, 80.0);
	}
	if (silent) {
		if (!c->allow_silent) {
			snprintf(r->why, sizeof r->why, "%s: silent input (no signal in any frame); "
			         "no .mel written (--allow-silent writes one)", job->in);
			return -1;
		}
		snprintf(r->why, sizeof r->why, "%s: silent input; writing every cell at %g, "
		         "flagged silent", job->in, (double)meta->vmin);
		meta->flags |= MEL_FLAG_SILENT;
	}
	r->ok = 1;
	return 0;
}

/* atomic.c keeps a process-wide list of live temporary files: one writer
 * at a time. */
static pthread_mutex_t write_mu = PTHREAD_MUTEX_INITIALIZER;

static int write_result(struct lane *L, const struct job *job, const struct result *r)
{
	char err[600];
	int rc;

	pthread_mutex_lock(&write_mu);
	rc = mel_write(job->out, &r->meta, L->c->dtype, r->T, r->M, r->mel, err, sizeof err);
	if (rc != 0)
		wav2mel_say("%s", err);
	pthread_mutex_unlock(&write_mu);
	return rc;
}

static void succeeded(struct ctx *c, const struct job *job)
{
	wav2mel_count(c, 1);
	if (!c->batch)
		return;
	if (c->delete_input && unlink(job->in) != 0)
		wav2mel_say("%s: cannot delete: %s", job->in, strerror(errno));
	flockfile(stdout);
	printf("%s\t%s\n", job->id, job->out);
	int bad = fflush(stdout) != 0;
	funlockfile(stdout);
	if (bad)
		die(EXIT_WORK, "stdout");
}

/* 1 when ffmpeg's diagnostics name this input ("file:PATH: ..." at the
 * start of a line): that input is the one that broke the group. */
static int names_input(const char *err, const char *in)
{
	size_t len = strlen(in);

	for (const char *p = err; p && *p; ) {
		if (strncmp(p, "file:", 5) == 0 && strncmp(p + 5, in, len) == 0 &&
		    strncmp(p + 5 + len, ": ", 2) == 0)
			return 1;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return 0;
}

/* Decodes a group with one ffmpeg.  When ffmpeg fails, the inputs its
 * messages name are reported and the rest retried together; when it names
 * none, the group is split in halves, so each bad file is found and reported
 * alone while the good ones still share ffmpeg start-ups. */
void wav2mel_run_jobs(struct lane *L, struct job **jobs, size_t k)
{
	struct ctx *c = L->c;
	const char **paths = xmalloc(k * sizeof *paths);
	char err[4096];
	int rc;

	for (size_t i = 0; i < k; i++)
		paths[i] = jobs[i]->in;
	/* the spectrograms are computed while the samples arrive and finished
	 * before ffmpeg's exit status is known (its exit takes a while for a
	 * large group), then kept or dropped */
	struct wav2mel_proc proc;
	rc = wav2mel_decode_start(&proc, &c->dec, paths, k, L->bufs, err, sizeof err);
	free(paths);
	if (rc == DECODE_NO_FFMPEG)
		diex(EXIT_WORK, "%s", err);
	if (rc == DECODE_OK) {
		for (size_t i = 0; i < k; i++)
			L->res[i].t_done = 0;
		proc.on_data = on_data;
		proc.on_data_arg = L;
		wav2mel_decode_drain(&proc);
		for (size_t i = 0; i < k; i++) {
			/* out[i].n is set by finish; the byte counts are final now */
			L->bufs[i].n = proc.bytes[i] / sizeof(float);
			L->res[i].ok = -1;       /* not computed yet */
		}
		if (!proc.failed)
			for (size_t i = 0; i < k; i++)
				wav2mel_compute(L, jobs[i], &L->bufs[i], &L->res[i]);
		rc = wav2mel_decode_finish(&proc);
	}
	if (rc == DECODE_OK) {
		/* errors ffmpeg recovered from (a damaged frame, say) are worth a
		 * warning; in a group they cannot be told apart per file */
		if (k == 1 && err[0]) {
			char line[sizeof err + 512];
			wav2mel_say("%s: warning: ffmpeg: %s", jobs[0]->in, one_line(err, line, sizeof line));
		}
		for (size_t i = 0; i < k; i++) {
			if (L->res[i].ok == -1)
				wav2mel_compute(L, jobs[i], &L->bufs[i], &L->res[i]);
			if (L->res[i].why[0])
				wav2mel_say("%s", L->res[i].why);
			if (L->res[i].ok == 1 && write_result(L, jobs[i], &L->res[i]) == 0)
				succeeded(c, jobs[i]);
			else
				wav2mel_count(c, 0);
		}
		return;
	}
	if (k == 1) {
		char line[sizeof err + 512];
		wav2mel_say("%s: cannot decode: %s", jobs[0]->in, one_line(err, line, sizeof line));
		wav2mel_count(c, 0);
		return;
	}
	struct job **rest = xmalloc(k * sizeof *rest);
	size_t nrest = 0;
	for (size_t i = 0; i < k; i++)
		if (names_input(err, jobs[i]->in))
			rest[nrest++] = jobs[i];
	if (nrest > 0 && nrest < k) {
		for (size_t i = 0; i < nrest; i++)   /* confirm each alone: exact message */
			wav2mel_run_jobs(L, &rest[i], 1);
		nrest = 0;
		for (size_t i = 0; i < k; i++)
			if (!names_input(err, jobs[i]->in))
				rest[nrest++] = jobs[i];
		wav2mel_run_jobs(L, rest, nrest);
	} else {
		wav2mel_run_jobs(L, jobs, k / 2);
		wav2mel_run_jobs(L, jobs + k / 2, k - k / 2);
	}
	free(rest);
}

void wav2mel_lane_init(struct lane *L, struct ctx *c, const struct melspec_config *cfg,
                      size_t group)
{
	char err[256];

	memset(L, 0, sizeof *L);
	L->c = c;
	if (melspec_init(&L->ms, cfg, err, sizeof err) != 0)
		diex(EXIT_USAGE, "%s", err);
	L->bufs = xcalloc(group, sizeof *L->bufs);
	L->res = xcalloc(group, sizeof *L->res);
}

void wav2mel_lane_free(struct lane *L, size_t group)
{
	for (size_t i = 0; i < group; i++)
		wav2mel_samples_free(&L->bufs[i]);
	free(L->bufs);
	for (size_t i = 0; i < group; i++)
		free(L->res[i].mel);
	free(L->res);
	melspec_free(&L->ms);
}
