/* test_dcue_data.c — dcue-train's crops read from disk (data_crop: pread on
 * demand) against the in-memory reference they replaced: the whole .mel in
 * memory, `a·v + b` per value, short tracks looped.  Byte-identical, for u8
 * and f32 files, long and short tracks, every start, and from two threads
 * at once (data_crop is documented thread-safe). */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "data.h"
#include "melfile.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { M = 16, T = 130, NT = 4 };

static const char *const ids[NT] = { "u8long", "u8short", "f32long", "f32short" };
static const uint32_t frames[NT] = { 300, 50, 260, 7 };

/* The reference: the old in-memory path, on the whole file read by mel_read. */
static void ref_crop(const struct dataset *d, const struct mel *m, uint32_t t, uint64_t start,
                     float *dst)
{
	uint64_t F = m->n_frames;

	for (int i = 0; i < T; i++) {
		uint64_t f = (start + (uint64_t)i) % F;
		float *o = dst + (size_t)i * M;
		for (int c = 0; c < M; c++)
			o[c] = m->dtype == BIN_U8
			     ? d->a[t] * (float)((const uint8_t *)m->data)[f * M + c] + d->b[t]
			     : d->a[t] * ((const float *)m->data)[f * M + c] + d->b[t];
	}
}

struct job {
	const struct dataset *d;
	const struct mel *m;
	unsigned seed;
	int bad;
};

static void *crops(void *arg)
{
	struct job *j = arg;
	float got[T * M], want[T * M];

	for (int k = 0; k < 300; k++) {
		j->seed = j->seed * 1103515245u + 12345u;
		uint32_t t = (j->seed >> 8) % NT;
		uint64_t start = (j->seed >> 12) % (frames[t] * 3);
		data_crop(j->d, t, start, T, got);
		ref_crop(j->d, &j->m[t], t, start, want);
		j->bad += memcmp(got, want, sizeof got) != 0;
	}
	return NULL;
}

int main(void)
{
	char dir[] = "/tmp/test_dcue_data.XXXXXX", path[4096];
	struct dataset d;
	struct mel m[NT];
	float got[T * M], want[T * M];

	CHECK(mkdtemp(dir) != NULL);
	memset(&d, 0, sizeof d);
	d.M = M;
	d.n_tracks = NT;
	d.mels_dir = dir;
	d.tr.n = NT;
	d.tr.id = calloc(NT, sizeof *d.tr.id);
	d.frames = calloc(NT, sizeof *d.frames);
	d.dtype = calloc(NT, 1);
	d.a = calloc(NT, sizeof(float));
	d.b = calloc(NT, sizeof(float));
	struct mel_meta meta = { 22050, 1024, 512, MEL_SCALE_DB, MEL_PAD_CONSTANT, 0, -80, 0 };
	for (uint32_t t = 0; t < NT; t++) {
		uint64_t n = (uint64_t)frames[t] * M;
		float *v = malloc(n * sizeof *v);
		for (uint64_t k = 0; k < n; k++)
			v[k] = -80.0f + (float)((k * 2654435761u + t) % 8001) / 100.0f;
		strcpy(d.tr.id[t], ids[t]);
		snprintf(path, sizeof path, "%s/%s.mel", dir, ids[t]);
		d.dtype[t] = t < 2 ? BIN_U8 : BIN_F32;
		char err[512];
		CHECK(mel_write(path, &meta, d.dtype[t], frames[t], M, v, err, sizeof err) == 0);
		free(v);
		CHECK(mel_read(path, &m[t], err, sizeof err) == 0);
		d.frames[t] = frames[t];
		d.a[t] = 0.0123f + 0.001f * (float)t;
		d.b[t] = -0.37f;
	}

	/* every start of every track, and starts past the end (looping) */
	for (uint32_t t = 0; t < NT; t++)
		for (uint64_t start = 0; start < 2 * (uint64_t)frames[t] + 3; start++) {
			data_crop(&d, t, start, T, got);
			ref_crop(&d, &m[t], t, start, want);
			if (!CHECK(memcmp(got, want, sizeof got) == 0)) {
				fprintf(stderr, "track %s, start %llu\n", ids[t], (unsigned long long)start);
				break;
			}
		}

	/* data_read_frames: the stored bytes */
	int fd = data_open_mel(&d, 0);
	uint8_t raw[5 * M];
	data_read_frames(&d, 0, fd, 17, 5, raw);
	CHECK(memcmp(raw, (const uint8_t *)m[0].data + 17 * M, sizeof raw) == 0);
	CHECK(close(fd) == 0);

	/* two threads at once */
	struct job jobs[2] = { { &d, m, 1, 0 }, { &d, m, 2, 0 } };
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		CHECK(pthread_create(&th[i], NULL, crops, &jobs[i]) == 0);
	for (int i = 0; i < 2; i++)
		CHECK(pthread_join(th[i], NULL) == 0);
	CHECK_EQ_INT(jobs[0].bad + jobs[1].bad, 0);

	for (uint32_t t = 0; t < NT; t++) {
		snprintf(path, sizeof path, "%s/%s.mel", dir, ids[t]);
		unlink(path);
		mel_free(&m[t]);
	}
	rmdir(dir);
	free(d.tr.id);
	free(d.frames);
	free(d.dtype);
	free(d.a);
	free(d.b);
	return check_done();
}
