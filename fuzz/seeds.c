/* seeds.c — writes the binary seed inputs of the fuzz harnesses, with the
 * project's own writers, so that they are never committed and always
 * follow the current file formats (docs/fuzzing.md).
 *
 *   seeds DIR       writes DIR/corpus/NAME/FILE (seed corpora) and
 *                   DIR/regress/NAME/FILE (regression inputs); DIR must
 *                   not exist yet (the Makefile writes DIR.tmp, renames)
 *   seeds --list    prints the paths it writes, relative to DIR, one a line
 *
 * Valid files come from mel_write, ckpt_write, playlists_write and
 * emb_write.  A hostile file is a
 * valid one with fields rewritten and both CRCs recomputed (as
 * tests/fixtures/binpatch.py does), or with its header CRC broken, so that
 * it reaches the reader's check behind the checksums.  Every value comes
 * from the seeded generator: the output is the same on every build. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "atomic.h"
#include "binfile.h"
#include "checkpoint.h"
#include "embfile.h"
#include "melfile.h"
#include "msg.h"
#include "playlists.h"
#include "rng.h"

/* --- valid files ------------------------------------------------------------ */

/* A dB mel as wav2mel writes it: T frames of M bands, values in [-80, 0]. */
static int write_mel(const char *path, uint32_t dtype, uint64_t T, uint64_t M, uint64_t seed)
{
	struct mel_meta meta = {
		.sample_rate = 22050, .n_fft = 1024, .hop = 512,
		.scale = MEL_SCALE_DB, .pad = MEL_PAD_CONSTANT, .flags = 0,
		.vmin = -80.0f, .vmax = 0.0f,
	};
	float values[64 * 64];          /* [T][M] */
	char err[600];
	struct rng r;

	if (T * M > sizeof values / sizeof values[0]) {
		errno = EINVAL;
		return -1;
	}
	rng_seed(&r, seed);
	for (uint64_t i = 0; i < T * M; i++)
		values[i] = -80.0f * rng_float(&r);
	if (mel_write(path, &meta, dtype, T, M, values, err, sizeof err) != 0) {
		int e = errno;
		fprintf(stderr, "seeds: %s\n", err);
		errno = e;
		return -1;
	}
	return 0;
}

/* A tiny trained-looking model (P 4, M 8, T 128, E = C = H = 4: 400
 * parameters) two epochs in, with its history: what dcue-train --save
 * writes, small enough to mutate. */
static int write_tiny_ckpt(const char *path)
{
	struct dcue_config cfg = {
		.n_playlists = 4, .mel_bins = 8, .mel_length = 128, .embedding = 4,
		.channels = 4, .hidden = 4,
		.criterion = 0, .nb_negatives = 2, .batch_size = 2,
		.train_pct = 70, .valid_pct = 10, .heldout_pct = 10,
		.limit = 0, .steps_per_epoch = 0,
		.margin = 0.2f, .lr = 0.1f, .momentum = 0.9f,
		.mel_min = -80.0f, .mel_max = 0.0f, .mel_mean = 0.384f, .mel_std = 0.24f,
		.seed = 1, .n_tracks = 8, .n_mel_tracks = 7, .split_crc = 0x53cf7a9e,
	};
	struct train_state st = { .epoch = 2, .step = 4, .elapsed = 0.027 };
	struct metric_row rows[2] = {
		{ ROW_EPOCH, 1, 2, 0.101, 0.25, NAN, NAN, 1032.1, 0.0039, 1.0 },
		{ ROW_EPOCH, 2, 4, 0.152, 0.5, NAN, NAN, 5852.4, 0.0184, 0.625 },
	};
	struct history h = { rows, 2, 2 };
	struct model m;
	struct rng r;
	int rc;

	rng_seed(&r, 1);
	model_init(&m, &cfg);
	model_randomize(&m, &r);
	for (size_t i = 0; i < m.n_params; i++)
		m.mom_mem[i] = 0.01f * (float)rng_normal(&r);
	for (size_t p = 0; p < m.n_rows; p++)
		m.row_step[p] = st.step;
	memcpy(st.rng, r.s, sizeof st.rng);
	rc = ckpt_write(path, &m, &st, &h);
	model_free(&m);
	return rc;
}

/* A playlists.bin of P playlists over N tracks: pid[P], offsets[P + 1],
 * then the track rows (CSR, playlists.h). */
static int write_playlists(const char *path, uint64_t P, uint64_t N, const uint32_t *pid,
                           const uint64_t *offsets, const uint32_t *track)
{
	struct playlists pl = {
		.n_playlists = P, .n_entries = offsets[P], .n_tracks = N,
		.pid = (uint32_t *)pid, .offsets = (uint64_t *)offsets, .track = (uint32_t *)track,
	};

	return playlists_write(path, &pl);
}

/* Two playlists (pids 7, 10) of one track each, out of 3. */
static int pls_small(const char *p)
{
	static const uint32_t pid[] = { 7, 10 }, track[] = { 0, 1 };
	static const uint64_t off[] = { 0, 1, 2 };

	return write_playlists(p, 2, 3, pid, off, track);
}

/* Four playlists (pids 7 ... 16) of 1 or 2 tracks, out of 8; track 3 in three. */
static int pls_four(const char *p)
{
	static const uint32_t pid[] = { 7, 10, 13, 16 }, track[] = { 4, 0, 5, 3, 6, 7, 3 };
	static const uint64_t off[] = { 0, 2, 3, 5, 7 };

	return write_playlists(p, 4, 8, pid, off, track);
}

/* What mpd-parse makes of tests/fixtures/mpd/ (two slices): pids 0 ... 5,
 * 16 entries over 7 tracks, 2 or 3 per playlist, a repeat removed. */
static int pls_mpd(const char *p)
{
	static const uint32_t pid[] = { 0, 1, 2, 3, 4, 5 };
	static const uint32_t track[] = { 0, 1, 2, 1, 3, 4, 2, 5, 6, 0, 1, 4, 6, 3, 1, 2 };
	static const uint64_t off[] = { 0, 3, 6, 8, 11, 13, 16 };

	return write_playlists(p, 6, 7, pid, off, track);
}

/* An embeddings file of n rows of width 4 as dcue-train embed writes it:
 * keys from key0 by step, vectors N(0, 0.5²) from the seed. */
static int write_emb(const char *path, uint32_t kind, size_t n, uint32_t key0, uint32_t step,
                     uint64_t seed)
{
	uint32_t key[16];
	float vec[16 * 4];
	struct embeddings e = { .kind = kind, .n = n, .E = 4, .key = key, .vec = vec };
	struct rng r;

	if (n > sizeof key / sizeof key[0]) {
		errno = EINVAL;
		return -1;
	}
	rng_seed(&r, seed);
	for (size_t i = 0; i < n; i++)
		key[i] = key0 + (uint32_t)i * step;
	for (size_t i = 0; i < n * e.E; i++)
		vec[i] = 0.5f * (float)rng_normal(&r);
	return emb_write(path, &e);
}

/* The 7 tracks of pls_mpd; the four playlists of pls_four. */
static int emb_tracks(const char *p) { return write_emb(p, EMB_TRACKS, 7, 0, 1, 4); }
static int emb_playlists(const char *p) { return write_emb(p, EMB_PLAYLISTS, 4, 7, 3, 5); }

/* --- hostile files ------------------------------------------------------------ */

struct patch {
	size_t off;              /* in the file */
	const void *bytes;
	size_t n;
};

/* Copies src to dst with the patches applied, then (fix_crc) both CRCs
 * recomputed over the result, or (else) the header CRC's low byte
 * flipped. */
static int derive(const char *src, const char *dst, const struct patch *pt, size_t npt,
                  int fix_crc)
{
	struct atomic_file af;
	uint8_t buf[1 << 16];
	size_t n;
	FILE *fp = fopen(src, "rb");

	if (fp == NULL)
		return -1;
	n = fread(buf, 1, sizeof buf, fp);
	if (ferror(fp) || !feof(fp) || n < BIN_HEADER_BYTES) {
		fclose(fp);
		errno = EINVAL;
		return -1;
	}
	fclose(fp);
	for (size_t i = 0; i < npt; i++) {
		if (pt[i].off + pt[i].n > n) {
			errno = EINVAL;
			return -1;
		}
		memcpy(buf + pt[i].off, pt[i].bytes, pt[i].n);
	}
	if (fix_crc) {
		uint32_t dcrc = (uint32_t)crc32(crc32(0, Z_NULL, 0), buf + BIN_HEADER_BYTES,
		                                (uInt)(n - BIN_HEADER_BYTES));
		memcpy(buf + 64, &dcrc, 4);      /* little-endian hosts only (binfile.c) */
		uint32_t hcrc = (uint32_t)crc32(crc32(0, Z_NULL, 0), buf, 68);
		memcpy(buf + 68, &hcrc, 4);
	} else {
		buf[68] ^= 0x43;
	}
	if (atomic_open(&af, dst) != 0)
		return -1;
	if (fwrite(buf, 1, n, af.fp) != n) {
		int e = errno;
		atomic_abort(&af);
		errno = e;
		return -1;
	}
	return atomic_commit(&af);
}

/* u8-4x3.mel with vmin, vmax = ∓3e38: (vmax − vmin) overflows float. */
static int write_range_overflow(const char *src, const char *dst)
{
	const float lo = -3e38f, hi = 3e38f;
	struct patch pt[] = {
		{ MEL_PAYLOAD_OFFSET - sizeof(struct mel_meta) + offsetof(struct mel_meta, vmin), &lo, 4 },
		{ MEL_PAYLOAD_OFFSET - sizeof(struct mel_meta) + offsetof(struct mel_meta, vmax), &hi, 4 },
	};
	return derive(src, dst, pt, 2, 1);
}

/* tiny.ckpt with 2^31 playlists and a hidden width of 65536: each within
 * its option's range, their product far beyond the 400 stored parameters
 * (once an allocation of ~800 GB, made before the check). */
static int write_absurd_config(const char *src, const char *dst)
{
	const uint32_t P = 1u << 31, H = 65536;
	struct patch pt[] = {
		{ BIN_HEADER_BYTES + offsetof(struct ckpt_meta, cfg.n_playlists), &P, 4 },
		{ BIN_HEADER_BYTES + offsetof(struct ckpt_meta, cfg.hidden), &H, 4 },
	};
	return derive(src, dst, pt, 2, 1);
}

/* tiny.ckpt with a wrong header CRC (dcue-plot once left such a file open). */
static int write_bad_header_crc(const char *src, const char *dst)
{
	return derive(src, dst, NULL, 0, 0);
}

/* --- the list ----------------------------------------------------------------- */

/* An output: written by make(path), or by derive(from, path) from the
 * output named by from (earlier in the list). */
struct seed {
	const char *path;        /* relative to DIR */
	int (*make)(const char *path);
	int (*derive)(const char *from, const char *path);
	const char *from;
};

/* Names: dtype-MxT (bands x frames). */
static int mel_u8_4x3(const char *p) { return write_mel(p, BIN_U8, 3, 4, 1); }
static int mel_u8_8x44(const char *p) { return write_mel(p, BIN_U8, 44, 8, 2); }
static int mel_f32_4x7(const char *p) { return write_mel(p, BIN_F32, 7, 4, 3); }

static int copy(const char *src, const char *dst)
{
	return derive(src, dst, NULL, 0, 1);
}

static const struct seed seeds[] = {
	{ "corpus/mel/u8-4x3.mel", mel_u8_4x3, NULL, NULL },
	{ "corpus/mel/u8-8x44.mel", mel_u8_8x44, NULL, NULL },
	{ "corpus/mel/f32-4x7.mel", mel_f32_4x7, NULL, NULL },
	{ "corpus/melstats/u8-4x3.mel", NULL, copy, "corpus/mel/u8-4x3.mel" },
	{ "corpus/melstats/u8-8x44.mel", NULL, copy, "corpus/mel/u8-8x44.mel" },
	{ "corpus/melstats/f32-4x7.mel", NULL, copy, "corpus/mel/f32-4x7.mel" },
	{ "corpus/checkpoint/tiny.ckpt", write_tiny_ckpt, NULL, NULL },
	{ "corpus/plot_inputs/tiny.ckpt", NULL, copy, "corpus/checkpoint/tiny.ckpt" },
	{ "corpus/playlists/small.bin", pls_small, NULL, NULL },
	{ "corpus/playlists/four.bin", pls_four, NULL, NULL },
	{ "corpus/playlists/mpd-fixture.bin", pls_mpd, NULL, NULL },
	{ "corpus/embfile/tracks.emb", emb_tracks, NULL, NULL },
	{ "corpus/embfile/playlists.emb", emb_playlists, NULL, NULL },
	{ "regress/mel/range-overflow.mel", NULL, write_range_overflow, "corpus/mel/u8-4x3.mel" },
	{ "regress/checkpoint/absurd-config.ckpt", NULL, write_absurd_config,
	  "corpus/checkpoint/tiny.ckpt" },
	{ "regress/plot_inputs/bad-header-crc.ckpt", NULL, write_bad_header_crc,
	  "corpus/checkpoint/tiny.ckpt" },
};

static void usage(void)
{
	fprintf(stderr, "usage: seeds DIR\n       seeds --list\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const size_t n = sizeof seeds / sizeof seeds[0];
	char path[4096], from[4096], dir[4096];
	const char *out;

	msg_init("seeds");
	if (argc != 2)
		usage();
	if (strcmp(argv[1], "--list") == 0) {
		for (size_t i = 0; i < n; i++)
			printf("%s\n", seeds[i].path);
		return fflush(stdout) != 0 || ferror(stdout) ? 1 : 0;
	}
	if (argv[1][0] == '-')
		usage();
	out = argv[1];
	if (mkdir(out, 0777) != 0) {
		fprintf(stderr, "seeds: %s: cannot create: %s\n", out, strerror(errno));
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		const struct seed *s = &seeds[i];
		int rc;

		if ((size_t)snprintf(path, sizeof path, "%s/%s", out, s->path) >= sizeof path ||
		    (size_t)snprintf(dir, sizeof dir, "%s", path) >= sizeof dir ||
		    (s->from != NULL &&
		     (size_t)snprintf(from, sizeof from, "%s/%s", out, s->from) >= sizeof from)) {
			fprintf(stderr, "seeds: %s: path too long\n", out);
			return 1;
		}
		*strrchr(dir, '/') = '\0';
		if (mkdir_p(dir) != 0) {
			fprintf(stderr, "seeds: %s: cannot create: %s\n", dir, strerror(errno));
			return 1;
		}
		errno = 0;
		rc = s->make != NULL ? s->make(path) : s->derive(from, path);
		if (rc != 0) {
			fprintf(stderr, "seeds: %s: cannot write: %s\n", path,
			        errno ? strerror(errno) : "failed");
			return 1;
		}
	}
	return 0;
}
