/* convert.h — wav2mel's work: decoded groups to .mel files, in lanes.
 *
 * A job is one input and its output; a lane decodes a group of jobs with
 * one ffmpeg (decode.h), computes their spectrograms (melspec.h) and writes
 * them; batch.c feeds groups from stdin to several lanes in threads.
 * main.c holds the command line. */
#ifndef DCUE_WAV2MEL_CONVERT_H
#define DCUE_WAV2MEL_CONVERT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "decode.h"
#include "melfile.h"
#include "melspec.h"

struct job {
	char *id;              /* batch only */
	char *in;              /* audio path, "-" = stdin */
	char *out;             /* .mel path */
};

/* What every lane shares; read-only once the lanes run, except the
 * counters and the queue, which are under mu. */
struct ctx {
	struct wav2mel_decoder dec;
	uint32_t dtype;        /* BIN_U8 or BIN_F32 */
	int log1p, allow_silent, delete_input, batch;
	pthread_mutex_t mu;
	unsigned long done, failed;
	/* the one-slot queue from the reader to the lanes */
	pthread_cond_t more, taken;
	struct job **pending;  /* [npending], NULL when the slot is free */
	size_t npending;
	int closed;
};

/* One input's spectrogram, computed while ffmpeg is still exiting and
 * written once its status says the decoding was sound. */
struct result {
	int ok;                /* 1 to write, 0 failed, -1 not computed */
	char why[600];         /* what to report about it, "" when nothing */
	struct mel_meta meta;
	uint64_t T, M;
	float *mel;            /* [T][M], kept from file to file */
	size_t cap;            /* floats */
	uint64_t t_done;       /* frames computed while the samples arrived */
};

/* One decoding lane: its own ffmpeg at a time, its own buffers and FFT
 * plan.  With --jobs 2 on two cores one lane decodes while the other
 * computes and writes. */
struct lane {
	struct ctx *c;
	struct melspec ms;
	struct wav2mel_samples *bufs;  /* [group] decoded audio, reused */
	struct result *res;    /* [group] spectrograms awaiting ffmpeg's exit status */
	pthread_t thread;
};

/* A warning on stderr that never interleaves with another lane's. */
void wav2mel_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* One more success (ok) or failure, under c->mu. */
void wav2mel_count(struct ctx *c, int ok);
/* The errors caught before ffmpeg: missing, directory, empty.  -1 reported. */
int wav2mel_precheck(const char *in);
/* The spectrogram of one decoded input into r (frames from r->t_done on;
 * set it to 0 for a fresh result): 0, or -1 with the reason in r->why
 * (no samples, a sample that is not finite, silence). */
int wav2mel_compute(struct lane *L, const struct job *job, const struct wav2mel_samples *s,
                    struct result *r);
/* Decodes jobs[0..k-1] with one ffmpeg and writes their .mel files; a
 * failing group is narrowed down to its bad files, each reported once. */
void wav2mel_run_jobs(struct lane *L, struct job **jobs, size_t k);
/* FFTW plans are made here: call before any lane thread starts. */
void wav2mel_lane_init(struct lane *L, struct ctx *c, const struct melspec_config *cfg,
                       size_t group);
void wav2mel_lane_free(struct lane *L, size_t group);

/* batch.c: reads id<TAB>path lines on stdin, hands groups of up to `group`
 * jobs to nlanes threads, waits for them; counts in c. */
void wav2mel_batch(struct ctx *c, struct lane *lanes, int nlanes, const char *outdir,
                   size_t group, int wait_ms);
void wav2mel_free_jobs(struct job **jobs, size_t n);

#endif
