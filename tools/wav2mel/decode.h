/* decode.h — audio files to mono float samples through the ffmpeg program.
 *
 * One ffmpeg process decodes a whole group of inputs: input i is mapped to
 * an f32le output on the process's file descriptor 3 + i, each a pipe read
 * here (all at once, with poll(), since ffmpeg advances every output
 * together).  Starting ffmpeg costs ~0.23 s, decoding a 30 s MP3 ~15 ms, so
 * a group of G files pays the start-up once instead of G times.  ffmpeg is
 * run with posix_spawnp, never through a shell; inputs are passed as
 * "file:PATH" so no path is ever taken for a protocol or an option. */
#ifndef DCUE_WAV2MEL_DECODE_H
#define DCUE_WAV2MEL_DECODE_H

#include <stddef.h>

struct wav2mel_samples {
	float *x;              /* [n] mono samples at the decoder's rate */
	size_t n;              /* samples */
	size_t cap;            /* bytes allocated (kept between calls) */
};

struct wav2mel_decoder {
	const char *ffmpeg;    /* program, looked up in PATH unless it has a '/' */
	int sample_rate;       /* output rate, Hz */
	int soxr;              /* resample with libsoxr (librosa's resampler) */
};

enum { DECODE_OK = 0, DECODE_FAILED = -1, DECODE_NO_FFMPEG = -2 };

/* The longest group one ffmpeg process is given (descriptors per process). */
#define DECODE_MAX_GROUP 256

/* One running ffmpeg (between wav2mel_decode_start and _finish). */
struct wav2mel_proc {
	size_t n;              /* inputs */
	int pid;               /* pid_t */
	int *rd;               /* [n + 1] read ends, [n] = ffmpeg's stderr; -1 closed */
	size_t *bytes;         /* [n] bytes received per output */
	struct wav2mel_samples *out;
	char *err;             /* [errcap] ffmpeg's diagnostics so far */
	size_t errcap, err_used;
	int failed;            /* a read or poll error */
	/* if set, called by drain after new samples of output i have come:
	 * x[0 .. n) are all of that output's whole samples so far */
	void (*on_data)(void *arg, size_t i, const float *x, size_t n);
	void *on_data_arg;
};

/* The three steps of wav2mel_decode, for callers that overlap one group's
 * start-up with another's work: start spawns ffmpeg; drain reads every
 * output to its end; finish reaps ffmpeg and sets out[i].n.  start returns
 * DECODE_NO_FFMPEG or DECODE_FAILED (nothing to finish) or DECODE_OK;
 * finish returns DECODE_OK or DECODE_FAILED. */
int wav2mel_decode_start(struct wav2mel_proc *p, const struct wav2mel_decoder *d,
                         const char *const *paths, size_t n, struct wav2mel_samples *out,
                         char *err, size_t errcap);
void wav2mel_decode_drain(struct wav2mel_proc *p);
int wav2mel_decode_finish(struct wav2mel_proc *p);

/* Decodes paths[0..n-1] ("-" = this process's stdin, at most once) with one
 * ffmpeg process into out[i], whose buffers grow as needed and are reused.
 * DECODE_OK when ffmpeg exited with status 0; DECODE_FAILED with ffmpeg's
 * diagnostics (or the reason) in err; DECODE_NO_FFMPEG when the program
 * could not be started at all (err says why). */
int wav2mel_decode(const struct wav2mel_decoder *d, const char *const *paths, size_t n,
                   struct wav2mel_samples *out, char *err, size_t errcap);
void wav2mel_samples_free(struct wav2mel_samples *s);

#endif
