/* melfile.h — the .mel file: one track's log-mel spectrogram.
 *
 * Container: binfile.h with magic "DCUEMEL\0", version 1,
 *   dtype  BIN_U8 (quantised, the default) or BIN_F32 (exact values)
 *   dims[0] = T frames, dims[1] = M mel bands
 * Meta (32 bytes, little-endian), struct mel_meta below.
 * Payload: T × M values, frames-major: frame t's M values are contiguous,
 * so a crop of consecutive frames is one contiguous block.
 *
 * Values are dB relative to the track's loudest cell (scale MEL_SCALE_DB,
 * range [-80, 0]) or log10(1 + 10·mel) (MEL_SCALE_LOG1P).  In u8 files,
 * byte q stands for  vmin + q · (vmax − vmin) / 255 ; for dB files
 * vmin = −80 and vmax = 0 (a step of 0.314 dB). */
#ifndef DCUE_MELFILE_H
#define DCUE_MELFILE_H

#include <stddef.h>
#include <stdint.h>

#include "binfile.h"

#define MEL_MAGIC "DCUEMEL"
#define MEL_VERSION 1

enum mel_scale { MEL_SCALE_DB = 0, MEL_SCALE_LOG1P = 1 };
enum mel_pad { MEL_PAD_CONSTANT = 0, MEL_PAD_REFLECT = 1 };

struct mel_meta {
	uint32_t sample_rate;  /* Hz */
	uint32_t n_fft;
	uint32_t hop;
	uint32_t scale;        /* enum mel_scale */
	uint32_t pad;          /* enum mel_pad */
	uint32_t flags;        /* bit 0: the input was silent (all cells = vmin) */
	float vmin, vmax;      /* the value range; u8 quantisation spans it */
};

#define MEL_FLAG_SILENT 1u

/* The largest magnitude a value (and vmin, vmax) may have: far beyond any
 * dB or log1p value, small enough that sums of squares over millions of
 * files stay finite in float64 and that (vmax − vmin) / 255 is exact
 * enough.  Readers refuse files outside it. */
#define MEL_VALUE_MAX 1e6f

/* The largest dimensions readers accept (and the writer writes). */
#define MEL_BANDS_MAX 4096
#define MEL_FRAMES_MAX ((uint64_t)1 << 32)

/* 1 when v is finite and |v| <= MEL_VALUE_MAX. */
static inline int mel_value_ok(float v)
{
	return v >= -MEL_VALUE_MAX && v <= MEL_VALUE_MAX;
}

struct mel {
	struct mel_meta meta;
	uint32_t dtype;        /* BIN_U8 or BIN_F32 */
	uint64_t n_frames;     /* T */
	uint64_t n_mels;       /* M */
	void *data;            /* [T][M] in the stored dtype */
};

/* Where frame 0 starts in the file: frame f's M values are at
 * MEL_PAYLOAD_OFFSET + f·M·(1 or 4) (frames-major). */
#define MEL_PAYLOAD_OFFSET (BIN_HEADER_BYTES + sizeof(struct mel_meta))

static inline float mel_u8_to_value(const struct mel_meta *m, uint8_t q)
{
	return m->vmin + (float)q * ((m->vmax - m->vmin) / 255.0f);
}

uint8_t mel_value_to_u8(const struct mel_meta *m, float v);

/* Writes values (T × M floats, frames-major) in the given dtype, quantising
 * for BIN_U8.  Atomic; -1 on failure with errno set and a message naming
 * the file in err.  What a reader would refuse (dtype, dimensions, scale,
 * padding, a range beyond ±MEL_VALUE_MAX or empty, an f32 value not
 * finite or beyond it) is refused before anything is created (EINVAL). */
int mel_write(const char *path, const struct mel_meta *meta, uint32_t dtype,
              uint64_t T, uint64_t M, const float *values, char *err, size_t errcap);

/* Opens and validates header and meta (dtype, dims, range) without reading
 * the payload; the caller continues with bin_read(r, ...) and bin_close(r).
 * -1 with r->err set. */
int mel_open(struct bin_reader *r, const char *path, struct mel *m);
/* Whole file, in the stored dtype; -1 with the reason in err. */
int mel_read(const char *path, struct mel *m, char *err, size_t errcap);
/* The values as floats (T × M); out must hold n_frames × n_mels. */
void mel_to_float(const struct mel *m, float *out);
void mel_free(struct mel *m);

#endif
