/* melfile.c — see melfile.h. */
#define _POSIX_C_SOURCE 200809L
#include "melfile.h"
#include "msg.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(sizeof(struct mel_meta) == 32, "mel_meta is stored as 32 bytes");

uint8_t mel_value_to_u8(const struct mel_meta *m, float v)
{
	float x = (v - m->vmin) / (m->vmax - m->vmin) * 255.0f;

	if (!(x > 0.0f))          /* also catches NaN */
		return 0;
	if (x >= 255.0f)
		return 255;
	return (uint8_t)lrintf(x);
}

/* What every reader requires of a header (before any arithmetic: vmax −
 * vmin of two huge finite values overflows to infinity, and every u8 value
 * would be NaN), and the writer of what it writes: 0, or -1 with the
 * reason, without the path, in why. */
static int check_header(const struct mel_meta *meta, uint32_t dtype, uint64_t T, uint64_t M,
                        char *why, size_t cap)
{
	if (dtype != BIN_U8 && dtype != BIN_F32) {
		snprintf(why, cap, "unsupported dtype %u", dtype);
		return -1;
	}
	if (M == 0 || M > MEL_BANDS_MAX || T > MEL_FRAMES_MAX) {
		snprintf(why, cap, "dimensions %llu x %llu out of range (expected 1 to %d bands, "
		         "at most %llu frames)", (unsigned long long)T, (unsigned long long)M,
		         MEL_BANDS_MAX, (unsigned long long)MEL_FRAMES_MAX);
		return -1;
	}
	if (meta->scale > MEL_SCALE_LOG1P || meta->pad > MEL_PAD_REFLECT) {
		snprintf(why, cap, "unknown scale %u or padding %u", meta->scale, meta->pad);
		return -1;
	}
	if (!(meta->vmax > meta->vmin) || !mel_value_ok(meta->vmin) || !mel_value_ok(meta->vmax)) {
		snprintf(why, cap, "invalid value range [%g, %g] (expected vmin < vmax, both "
		         "within ±%g)", (double)meta->vmin, (double)meta->vmax,
		         (double)MEL_VALUE_MAX);
		return -1;
	}
	return 0;
}

int mel_write(const char *path, const struct mel_meta *meta, uint32_t dtype,
              uint64_t T, uint64_t M, const float *values, char *err, size_t errcap)
{
	struct bin_writer w;
	struct bin_header h;
	uint8_t buf[4096];
	char why[200];

	/* refuse what no reader would accept, before anything is created */
	if (check_header(meta, dtype, T, M, why, sizeof why) != 0) {
		snprintf(err, errcap, "%s: %s; nothing written", path, why);
		errno = EINVAL;
		return -1;
	}
	if (dtype == BIN_F32)
		for (uint64_t i = 0; i < T * M; i++)
			if (!mel_value_ok(values[i])) {
				snprintf(err, errcap, "%s: value %llu (frame %llu) is %s (expected a "
				         "finite value within ±%g); nothing written", path,
				         (unsigned long long)i, (unsigned long long)(i / M),
				         isfinite(values[i]) ? "out of range" : "not finite",
				         (double)MEL_VALUE_MAX);
				errno = EINVAL;
				return -1;
			}
	memset(&h, 0, sizeof h);
	memcpy(h.magic, MEL_MAGIC, sizeof MEL_MAGIC);
	h.version = MEL_VERSION;
	h.dtype = dtype;
	h.dims[0] = T;
	h.dims[1] = M;
	h.meta_bytes = sizeof *meta;
	h.payload_bytes = T * M * bin_dtype_size(dtype);
	if (bin_create(&w, path, &h, meta) != 0)
		goto fail_io;
	if (dtype == BIN_F32) {
		if (bin_write(&w, values, T * M * sizeof(float)) != 0)
			goto fail;
	} else {
		uint64_t n = T * M;
		for (uint64_t i = 0; i < n; ) {
			size_t k = 0;
			while (k < sizeof buf && i < n)
				buf[k++] = mel_value_to_u8(meta, values[i++]);
			if (bin_write(&w, buf, k) != 0)
				goto fail;
		}
	}
	if (bin_finish(&w) != 0)
		goto fail_io;
	return 0;
fail:
	{
		int saved = errno;
		bin_abort(&w);
		errno = saved;
	}
fail_io:
	snprintf(err, errcap, "%s: cannot write: %s", path, strerror(errno));
	return -1;
}

int mel_open(struct bin_reader *r, const char *path, struct mel *m)
{
	char why[200];

	memset(m, 0, sizeof *m);
	if (bin_open(r, path, MEL_MAGIC, MEL_VERSION, &m->meta, sizeof m->meta) != 0)
		return -1;
	m->dtype = r->h.dtype;
	m->n_frames = r->h.dims[0];
	m->n_mels = r->h.dims[1];
	if (check_header(&m->meta, m->dtype, m->n_frames, m->n_mels, why, sizeof why) != 0) {
		snprintf(r->err, sizeof r->err, "%s: %s", path, why);
		return -1;
	}
	if (r->h.payload_bytes != m->n_frames * m->n_mels * bin_dtype_size(m->dtype)) {
		snprintf(r->err, sizeof r->err, "%s: dimensions %llu x %llu do not match the payload",
		         path, (unsigned long long)m->n_frames, (unsigned long long)m->n_mels);
		return -1;
	}
	return 0;
}

int mel_read(const char *path, struct mel *m, char *err, size_t errcap)
{
	struct bin_reader r;

	if (mel_open(&r, path, m) != 0) {
		snprintf(err, errcap, "%s", r.err);
		bin_close(&r);
		return -1;
	}
	m->data = bin_read_all(&r);
	if (m->data == NULL) {
		snprintf(err, errcap, "%s", r.err);
		bin_close(&r);
		return -1;
	}
	bin_close(&r);
	return 0;
}

void mel_to_float(const struct mel *m, float *out)
{
	uint64_t n = m->n_frames * m->n_mels;

	if (m->dtype == BIN_F32) {
		memcpy(out, m->data, n * sizeof(float));
		return;
	}
	const uint8_t *q = m->data;
	float lut[256];
	for (int i = 0; i < 256; i++)
		lut[i] = mel_u8_to_value(&m->meta, (uint8_t)i);
	for (uint64_t i = 0; i < n; i++)
		out[i] = lut[q[i]];
}

void mel_free(struct mel *m)
{
	free(m->data);
	m->data = NULL;
}
