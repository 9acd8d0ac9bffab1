/* test_melwrite.c — mel_write refuses what every reader refuses (melfile.h):
 * a range beyond ±MEL_VALUE_MAX, non-finite or empty, f32 values beyond it,
 * unknown dtype, scale or padding, dimensions out of range; with a message
 * naming the file and the reason, errno EINVAL, and nothing left behind (no
 * file, no temporary; a previous file at the path untouched).  Just within
 * the limits, the file is written and read back. */
#include "check.h"
#include "files.h"

#include "binfile.h"
#include "melfile.h"
#include "msg.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

enum { T = 3, M = 4 };

static const struct mel_meta db_meta = {
	.sample_rate = 22050, .n_fft = 1024, .hop = 512, .scale = MEL_SCALE_DB,
	.pad = MEL_PAD_CONSTANT, .flags = 0, .vmin = -80.0f, .vmax = 0.0f,
};

/* mel_write(dir/x.mel) must fail with EINVAL and a message holding the
 * path and want, and leave dir empty. */
static void refused(const char *dir, const struct mel_meta *meta, uint32_t dtype, uint64_t t,
                    uint64_t m, const float *v, const char *want, int line)
{
	char path[256], err[600] = "";
	int rc;

	snprintf(path, sizeof path, "%s/x.mel", dir);
	errno = 0;
	rc = mel_write(path, meta, dtype, t, m, v, err, sizeof err);
	if (!check_int(rc, -1, "mel_write refuses", __FILE__, line))
		return;
	check_int(errno, EINVAL, "errno == EINVAL", __FILE__, line);
	if (!check_at(strstr(err, path) != NULL && strstr(err, want) != NULL,
	              "the message names the file and the reason", __FILE__, line))
		fprintf(stderr, "  message: %s\n  wanted: %s\n", err, want);
	check_int(count_entries(dir), 0, "nothing left in the folder", __FILE__, line);
}

#define REFUSED(meta, dtype, t, m, v, want) refused("out", meta, dtype, t, m, v, want, __LINE__)

static struct mel_meta with_range(float lo, float hi)
{
	struct mel_meta meta = db_meta;

	meta.vmin = lo;
	meta.vmax = hi;
	return meta;
}

static void test_refused(void)
{
	float v[T * M];
	struct mel_meta meta;

	for (int i = 0; i < T * M; i++)
		v[i] = -80.0f * (float)i / (T * M - 1);
	CHECK(mkdir("out", 0777) == 0);

	/* the range: (vmax − vmin) of ∓3e38 overflows float; beyond ±1e6 just
	 * past the limit; non-finite; empty or reversed */
	meta = with_range(-3e38f, 3e38f);
	REFUSED(&meta, BIN_U8, T, M, v, "invalid value range [-3e+38, 3e+38]");
	REFUSED(&meta, BIN_F32, T, M, v, "invalid value range [-3e+38, 3e+38]");
	meta = with_range(-80.0f, nextafterf(MEL_VALUE_MAX, INFINITY));
	REFUSED(&meta, BIN_U8, T, M, v, "both within ±1e+06");
	meta = with_range(nextafterf(-MEL_VALUE_MAX, -INFINITY), 0.0f);
	REFUSED(&meta, BIN_U8, T, M, v, "both within ±1e+06");
	meta = with_range(-80.0f, INFINITY);
	REFUSED(&meta, BIN_U8, T, M, v, "invalid value range [-80, inf]");
	meta = with_range(NAN, 0.0f);
	REFUSED(&meta, BIN_U8, T, M, v, "invalid value range [nan, 0]");
	meta = with_range(0.0f, 0.0f);
	REFUSED(&meta, BIN_U8, T, M, v, "expected vmin < vmax");
	meta = with_range(0.0f, -80.0f);
	REFUSED(&meta, BIN_F32, T, M, v, "expected vmin < vmax");

	/* f32 values the readers refuse (u8 ones are clamped into the range) */
	float bad[T * M];
	memcpy(bad, v, sizeof bad);
	bad[5] = NAN;
	REFUSED(&db_meta, BIN_F32, T, M, bad, "value 5 (frame 1) is not finite");
	bad[5] = -2e6f;
	REFUSED(&db_meta, BIN_F32, T, M, bad, "value 5 (frame 1) is out of range");
	bad[5] = INFINITY;
	REFUSED(&db_meta, BIN_F32, T, M, bad, "is not finite");

	/* enumerations and dimensions */
	REFUSED(&db_meta, BIN_U32, T, M, v, "unsupported dtype 3");
	meta = db_meta;
	meta.scale = 2;
	REFUSED(&meta, BIN_U8, T, M, v, "unknown scale 2");
	meta = db_meta;
	meta.pad = 7;
	REFUSED(&meta, BIN_U8, T, M, v, "padding 7");
	REFUSED(&db_meta, BIN_U8, T, 0, v, "dimensions 3 x 0 out of range");
	REFUSED(&db_meta, BIN_U8, 0, MEL_BANDS_MAX + 1, v, "dimensions 0 x 4097 out of range");
	REFUSED(&db_meta, BIN_U8, MEL_FRAMES_MAX + 1, 1, v, "x 1 out of range");
}

/* A refused write leaves the previous file at the path as it was. */
static void test_previous_kept(void)
{
	float v[T * M];
	struct mel_meta meta = with_range(-3e38f, 3e38f);
	struct mel m;
	char err[600];

	for (int i = 0; i < T * M; i++)
		v[i] = -1.0f * (float)i;
	CHECK(mkdir("prev", 0777) == 0);
	CHECK(mel_write("prev/x.mel", &db_meta, BIN_F32, T, M, v, err, sizeof err) == 0);
	CHECK(mel_write("prev/x.mel", &meta, BIN_U8, T, M, v, err, sizeof err) == -1);
	v[0] = NAN;
	CHECK(mel_write("prev/x.mel", &db_meta, BIN_F32, T, M, v, err, sizeof err) == -1);
	CHECK_EQ_INT(count_entries("prev"), 1);
	CHECK(mel_read("prev/x.mel", &m, err, sizeof err) == 0);
	CHECK_EQ_INT(m.dtype, BIN_F32);
	CHECK(((float *)m.data)[0] == 0.0f);
	CHECK(((float *)m.data)[T * M - 1] == -(float)(T * M - 1));
	mel_free(&m);
}

/* At the limits: a range of exactly ±MEL_VALUE_MAX and f32 values on it
 * are written, and read back by the reader that shares the limit; an I/O
 * error still names the file. */
static void test_limits(void)
{
	float v[T * M], back[T * M];
	struct mel_meta meta = with_range(-MEL_VALUE_MAX, MEL_VALUE_MAX);
	struct mel m;
	char err[600];

	for (int i = 0; i < T * M; i++)
		v[i] = i % 2 ? MEL_VALUE_MAX : -MEL_VALUE_MAX;
	CHECK(mel_write("edge.mel", &meta, BIN_F32, T, M, v, err, sizeof err) == 0);
	CHECK(mel_read("edge.mel", &m, err, sizeof err) == 0);
	mel_to_float(&m, back);
	CHECK(memcmp(back, v, sizeof v) == 0);
	mel_free(&m);
	CHECK(mel_write("edge8.mel", &meta, BIN_U8, T, M, v, err, sizeof err) == 0);
	CHECK(mel_read("edge8.mel", &m, err, sizeof err) == 0);
	mel_to_float(&m, back);
	CHECK_CLOSE(back[0], -MEL_VALUE_MAX, 1.0, 0);
	CHECK_CLOSE(back[1], MEL_VALUE_MAX, 1.0, 0);
	mel_free(&m);

	/* u8 input values outside the range, even NaN, quantise to its ends */
	v[0] = NAN;
	v[1] = 3e38f;
	CHECK(mel_write("clamp.mel", &db_meta, BIN_U8, T, M, v, err, sizeof err) == 0);
	CHECK(mel_read("clamp.mel", &m, err, sizeof err) == 0);
	CHECK_EQ_INT(((uint8_t *)m.data)[0], 0);
	CHECK_EQ_INT(((uint8_t *)m.data)[1], 255);
	mel_free(&m);

	errno = 0;
	CHECK(mel_write("no/such/dir/x.mel", &db_meta, BIN_U8, T, M, v, err, sizeof err) == -1);
	CHECK_EQ_INT(errno, ENOENT);
	CHECK(strstr(err, "no/such/dir/x.mel: cannot write: ") == err);
}

int main(int argc, char **argv)
{
	(void)argc;
	msg_init(argv[0]);
	test_refused();
	test_previous_kept();
	test_limits();
	return check_done();
}
