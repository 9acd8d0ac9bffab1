/* data.c — see data.h. */
#define _POSIX_C_SOURCE 200809L
#include "data.h"
#include "binfile.h"
#include "dist.h"
#include "ids.h"
#include "layers.h"
#include "melfile.h"
#include "msg.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* Independent seeded streams for the split, the held-out draw, ... */
enum { STREAM_SPLIT = 1, STREAM_HELDOUT = 2 };

static void rng_stream(struct rng *r, uint64_t seed, uint64_t stream)
{
	rng_seed(r, seed ^ (stream * 0x9E3779B97F4A7C15ull));
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static void load_lists(struct dataset *d, const struct data_options *o)
{
	char path[4096], err[1024];

	if (snprintf(path, sizeof path, "%s/tracks.tsv", o->mpd_dir) >= (int)sizeof path)
		diex(EXIT_USAGE, "--mpd: path too long");
	if (tracks_read(path, &d->tr, err, sizeof err) != 0)
		diex(EXIT_WORK, "%s", err);
	snprintf(path, sizeof path, "%s/playlists.bin", o->mpd_dir);
	if (playlists_read(path, &d->pl, err, sizeof err) != 0)
		diex(EXIT_WORK, "%s", err);
	if (d->pl.n_tracks != d->tr.n)
		diex(EXIT_WORK, "%s: made for %llu tracks but %s/tracks.tsv has %zu", path,
		     (unsigned long long)d->pl.n_tracks, o->mpd_dir, d->tr.n);
	if (d->tr.n > UINT32_MAX - 1 || d->pl.n_playlists > INT32_MAX)
		diex(EXIT_WORK, "%s: too many tracks or playlists", path);
	if (o->limit > 0 && o->limit < d->pl.n_playlists) {
		d->pl.n_playlists = o->limit;
		d->pl.n_entries = d->pl.offsets[o->limit];
	}
	d->n_tracks = d->tr.n;
}

/* The whole payload once, in constant memory: the data CRC (bin_read
 * checks it after the last byte) and, for f32, that every value is finite. */
static int mel_verify_payload(struct bin_reader *r, const struct mel *m)
{
	float buf[1 << 14];                     /* 64 KB, whole f32 values */
	uint64_t left = r->h.payload_bytes, k = 0;

	while (left > 0) {
		size_t n = left < sizeof buf ? (size_t)left : sizeof buf;
		if (bin_read(r, buf, n) != 0)
			return -1;
		if (m->dtype == BIN_F32)
			for (size_t j = 0; j < n / 4; j++, k++)
				if (!mel_value_ok(buf[j])) {
					/* an f32 NaN or infinity would silently poison every
					 * input (through the measured mean): a bad file */
					snprintf(r->err, sizeof r->err, "%s: value %llu (frame %llu) is %s "
					         "(expected a finite value within ±%g)", r->path,
					         (unsigned long long)k, (unsigned long long)(k / m->n_mels),
					         isfinite(buf[j]) ? "out of range" : "not finite",
					         (double)MEL_VALUE_MAX);
					return -1;
				}
		left -= n;
	}
	return 0;
}

/* One pass over the files, in track order: every header (always) and,
 * with o->check_payload, every payload streamed once (CRC, finite f32
 * values).  Nothing of the payloads stays in memory: crops are read on
 * demand by data_crop.  Sets frames/dtype/a/b; bad[i] = 1 for a file
 * dropped under --skip-bad. */
static void scan_mels(struct dataset *d, const struct data_options *o, uint8_t *bad)
{
	size_t N = d->n_tracks;
	char path[4096];
	float range = o->mel_max - o->mel_min;

	d->frames = xcalloc(N, sizeof *d->frames);
	d->dtype = xcalloc(N, 1);
	d->a = xcalloc(N, sizeof(float));
	d->b = xcalloc(N, sizeof(float));
	d->mel_bytes = 0;
	for (size_t i = 0; i < N; i++) {
		struct bin_reader r;
		struct mel m;
		struct stat st;
		path_join_id(path, sizeof path, o->mels_dir, d->tr.id[i], ".mel");
		if (stat(path, &st) != 0 && errno == ENOENT) {
			d->n_missing++;
			continue;
		}
		if (mel_open(&r, path, &m) != 0) {
			if (!o->skip_bad)
				diex(EXIT_WORK, "%s (use --skip-bad to drop bad files)", r.err);
			warnx("%s: skipped", r.err);
			bin_close(&r);
			d->n_bad++;
			bad[i] = 1;
			continue;
		}
		if (m.n_mels != (uint64_t)o->mel_bins || m.n_frames == 0) {
			char why[128];
			bin_close(&r);
			if (m.n_frames == 0)
				snprintf(why, sizeof why, "no frames");
			else
				snprintf(why, sizeof why, "%llu mel bands, expected %d bands (--mel-bins)",
				         (unsigned long long)m.n_mels, o->mel_bins);
			if (!o->skip_bad)
				diex(EXIT_WORK, "%s: %s (use --skip-bad to drop bad files)", path, why);
			warnx("%s: %s: skipped", path, why);
			d->n_bad++;
			bad[i] = 1;
			continue;
		}
		if (o->check_payload && mel_verify_payload(&r, &m) != 0) {
			if (!o->skip_bad)
				diex(EXIT_WORK, "%s (use --skip-bad to drop bad files)", r.err);
			warnx("%s: skipped", r.err);
			bin_close(&r);
			d->n_bad++;
			bad[i] = 1;
			continue;
		}
		bin_close(&r);
		d->frames[i] = (uint32_t)m.n_frames;
		d->dtype[i] = (uint8_t)m.dtype;
		d->mel_bytes += m.n_frames * m.n_mels * bin_dtype_size(m.dtype);
		/* value → ((value - mel_min)/range - mean)/std, as one affine map */
		float step = m.dtype == BIN_U8 ? (m.meta.vmax - m.meta.vmin) / 255.0f : 1.0f;
		float base = m.dtype == BIN_U8 ? m.meta.vmin : 0.0f;
		d->a[i] = step / (range * o->mel_std);
		d->b[i] = ((base - o->mel_min) / range - o->mel_mean) / o->mel_std;
		d->n_mel++;
	}
}

/* Under mpirun each rank may read its own copy of the mels, so a file can
 * be bad on one rank only.  With --skip-bad the ranks OR their flags and
 * every rank drops every track some rank found bad, before the split: all
 * train on the same tracks.  Every rank names each track dropped and the
 * ranks that found it bad.  A missing file is not bad: a usable .mel one
 * rank has and another lacks stays a difference the ranks refuse (train.c).  The
 * ranks first compare the track count and --skip-bad; where those differ
 * nothing more is exchanged here (every rank sees that and takes the same
 * branch) and the start-up check reports the difference. */
static void skip_bad_everywhere(struct dataset *d, const struct data_options *o,
                                const uint8_t *bad)
{
	struct { uint64_t n; uint32_t skip, pad; } me = { d->n_tracks, o->skip_bad != 0, 0 }, *all;
	size_t N = d->n_tracks, nb = 0, W = ((size_t)dist.size + 7) / 8;
	int same = 1;

	if (dist.size <= 1)
		return;
	all = xmalloc((size_t)dist.size * sizeof *all);
	dist_allgather(&me, all, sizeof me);
	for (int r = 1; r < dist.size; r++)
		same &= all[r].n == all[0].n && all[r].skip == all[0].skip;
	free(all);
	if (!same || !o->skip_bad)
		return;
	uint8_t *any = xmalloc(N + 1);                  /* [N] bad on some rank */
	memcpy(any, bad, N);
	dist_or_bytes(any, N);
	for (size_t i = 0; i < N; i++)
		nb += any[i] != 0;
	if (nb == 0) {
		free(any);
		return;
	}
	uint8_t *who = xcalloc(nb * W, 1);             /* [nb][W] a bit per rank */
	for (size_t i = 0, j = 0; i < N; i++)
		if (any[i])
			who[j++ * W + (size_t)dist.rank / 8] |= (uint8_t)(bad[i] << (dist.rank % 8));
	dist_or_bytes(who, nb * W);
	char (*host)[sizeof dist.host] = xmalloc((size_t)dist.size * sizeof *host);
	dist_allgather(dist.host, host, sizeof *host);
	for (size_t i = 0, j = 0; i < N; i++) {
		char path[4096], list[256];
		size_t len = 0, shown = 0, count = 0;
		if (!any[i])
			continue;
		for (int r = 0; r < dist.size; r++) {
			if (!(who[j * W + (size_t)r / 8] >> (r % 8) & 1))
				continue;
			count++;
			if (len + 100 < sizeof list) {     /* room for one more, and the tail */
				len += (size_t)snprintf(list + len, sizeof list - len, "%srank %d on %s",
				                        shown ? ", " : "", r, host[r]);
				shown++;
			}
		}
		if (count > shown)
			snprintf(list + len, sizeof list - len, " and %zu more ranks", count - shown);
		j++;
		path_join_id(path, sizeof path, o->mels_dir, d->tr.id[i], ".mel");
		if (!bad[i] && d->frames[i] > 0) {
			d->mel_bytes -= (size_t)d->frames[i] * (size_t)d->M * bin_dtype_size(d->dtype[i]);
			d->frames[i] = 0;
			d->n_mel--;
			d->n_bad++;
		}
		warnx("%s: skipped on every rank (found bad by %s)", path, list);
	}
	free(host);
	free(who);
	free(any);
}

static void make_split(struct dataset *d, const struct data_options *o)
{
	size_t N = d->n_tracks, n = 0;
	uint32_t *ids = xmalloc((d->n_mel + 1) * sizeof *ids);
	struct rng r;

	for (size_t i = 0; i < N; i++)
		if (d->frames[i] > 0)
			ids[n++] = (uint32_t)i;
	rng_stream(&r, o->seed, STREAM_SPLIT);
	rng_shuffle_u32(&r, ids, n);
	size_t ntr = (size_t)((double)n * o->train_pct / 100.0 + 0.5);
	size_t nva = (size_t)((double)n * o->valid_pct / 100.0 + 0.5);
	if (ntr + nva > n)
		nva = n - ntr;
	d->split = xcalloc(N, 1);
	for (size_t j = 0; j < n; j++)
		d->split[ids[j]] = j < ntr ? SPLIT_TRAIN : j < ntr + nva ? SPLIT_VALID : SPLIT_TEST;
	free(ids);
	d->split_crc = (uint32_t)crc32(crc32(0, Z_NULL, 0), d->split, (uInt)N);

	d->train_tracks = xmalloc((ntr + 1) * sizeof(uint32_t));
	d->valid_tracks = xmalloc((nva + 1) * sizeof(uint32_t));
	d->test_tracks = xmalloc((n - ntr - nva + 1) * sizeof(uint32_t));
	for (size_t i = 0; i < N; i++) {
		if (d->split[i] == SPLIT_TRAIN)
			d->train_tracks[d->n_train++] = (uint32_t)i;
		else if (d->split[i] == SPLIT_VALID)
			d->valid_tracks[d->n_valid++] = (uint32_t)i;
		else if (d->split[i] == SPLIT_TEST)
			d->test_tracks[d->n_test++] = (uint32_t)i;
	}

	size_t nnz = d->pl.n_entries, ntp = 0, nvp = 0;
	d->kind = xcalloc(nnz + 1, 1);
	d->pop = xcalloc(N, sizeof(uint32_t));
	rng_stream(&r, o->seed, STREAM_HELDOUT);
	for (size_t e = 0; e < nnz; e++) {
		uint32_t t = d->pl.track[e];
		switch (d->split[t]) {
		case SPLIT_TRAIN:
			d->kind[e] = rng_below(&r, 100) < o->heldout_pct ? ENTRY_HELDOUT : ENTRY_TRAIN;
			break;
		case SPLIT_VALID: d->kind[e] = ENTRY_VALID; break;
		case SPLIT_TEST: d->kind[e] = ENTRY_TEST; break;
		default: d->kind[e] = ENTRY_NOMEL; break;
		}
		ntp += d->kind[e] == ENTRY_TRAIN;
		nvp += d->kind[e] == ENTRY_VALID;
	}
	d->train_pairs = xmalloc((ntp + 1) * sizeof *d->train_pairs);
	d->valid_pairs = xmalloc((nvp + 1) * sizeof *d->valid_pairs);
	for (size_t p = 0; p < d->pl.n_playlists; p++)
		for (uint64_t e = d->pl.offsets[p]; e < d->pl.offsets[p + 1]; e++) {
			uint32_t t = d->pl.track[e];
			if (d->kind[e] == ENTRY_TRAIN) {
				d->pop[t]++;
				d->train_pairs[d->n_train_pairs][0] = (uint32_t)p;
				d->train_pairs[d->n_train_pairs++][1] = t;
			} else if (d->kind[e] == ENTRY_VALID) {
				d->valid_pairs[d->n_valid_pairs][0] = (uint32_t)p;
				d->valid_pairs[d->n_valid_pairs++][1] = t;
			}
		}
	d->sorted = xmalloc((nnz + 1) * sizeof(uint32_t));
	memcpy(d->sorted, d->pl.track, nnz * sizeof(uint32_t));
	for (size_t p = 0; p < d->pl.n_playlists; p++)
		qsort(d->sorted + d->pl.offsets[p], d->pl.offsets[p + 1] - d->pl.offsets[p],
		      sizeof(uint32_t), cmp_u32);
}

void data_load(struct dataset *d, const struct data_options *o)
{
	memset(d, 0, sizeof *d);
	d->M = o->mel_bins;
	if (!(o->mel_max > o->mel_min) || !(o->mel_std > 0))
		diex(EXIT_USAGE, "need --mel-max > --mel-min and --mel-std > 0");
	load_lists(d, o);
	d->mels_dir = xstrdup(o->mels_dir);
	uint8_t *bad = xcalloc(d->n_tracks + 1, 1);    /* [N] dropped here by --skip-bad */
	scan_mels(d, o, bad);
	skip_bad_everywhere(d, o, bad);
	free(bad);
	make_split(d, o);
	if (!o->quiet)
		warnx("%zu playlists, %zu tracks: %zu with a mel (%.1f MB), %zu without, %zu bad; "
		      "split %zu/%zu/%zu tracks; %zu training and %zu validation interactions",
		      (size_t)d->pl.n_playlists, d->n_tracks, d->n_mel, (double)d->mel_bytes / 1e6,
		      d->n_missing, d->n_bad, d->n_train, d->n_valid, d->n_test, d->n_train_pairs,
		      d->n_valid_pairs);
}

void data_free(struct dataset *d)
{
	tracks_free(&d->tr);
	playlists_free(&d->pl);
	free(d->mels_dir);
	free(d->frames);
	free(d->dtype);
	free(d->a);
	free(d->b);
	free(d->split);
	free(d->kind);
	free(d->sorted);
	free(d->train_tracks);
	free(d->valid_tracks);
	free(d->test_tracks);
	free(d->pop);
	free(d->train_pairs);
	free(d->valid_pairs);
	memset(d, 0, sizeof *d);
}

int data_in_playlist(const struct dataset *d, uint32_t p, uint32_t t)
{
	const uint32_t *lo = d->sorted + d->pl.offsets[p];
	size_t n = d->pl.offsets[p + 1] - d->pl.offsets[p];

	return bsearch(&t, lo, n, sizeof t, cmp_u32) != NULL;
}

uint32_t data_negative(const struct dataset *d, struct rng *r, uint32_t p, const uint32_t *pool,
                       size_t n)
{
	uint32_t c = pool[0];

	/* rejection: a playlist holds a tiny fraction of the pool */
	for (int tries = 0; tries < 1000; tries++) {
		c = pool[rng_below(r, n)];
		if (!data_in_playlist(d, p, c))
			break;
	}
	return c;
}

uint64_t data_random_start(const struct dataset *d, struct rng *r, uint32_t t, int T)
{
	uint64_t F = d->frames[t];

	return F > (uint64_t)T ? rng_below(r, F - (uint64_t)T + 1) : 0;
}

/* read(2) until n bytes are in or the file ends early; -1 with errno. */
static ssize_t pread_full(int fd, void *dst, size_t n, off_t at)
{
	size_t got = 0;

	while (got < n) {
		ssize_t k = pread(fd, (char *)dst + got, n - got, at + (off_t)got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -1;
		if (k == 0)
			break;
		got += (size_t)k;
	}
	return (ssize_t)got;
}

/* Frames [f, f + n) of an open .mel, in the stored dtype, into dst;
 * dies naming the file and the offset on a short or failed read. */
static void read_rows(const struct dataset *d, uint32_t t, int fd, uint64_t f, uint64_t n,
                      void *dst)
{
	size_t row = (size_t)d->M * bin_dtype_size(d->dtype[t]);
	off_t at = (off_t)(MEL_PAYLOAD_OFFSET + f * row);
	ssize_t k = pread_full(fd, dst, n * row, at);

	if (k != (ssize_t)(n * row)) {
		char path[4096];
		path_join_id(path, sizeof path, d->mels_dir, d->tr.id[t], ".mel");
		if (k < 0)
			die(EXIT_WORK, "%s: read at byte %lld", path, (long long)at);
		diex(EXIT_WORK, "%s: truncated: %zu of %zu bytes at byte %lld (changed since "
		     "the scan?)", path, (size_t)k, n * row, (long long)at);
	}
}

int data_open_mel(const struct dataset *d, uint32_t t)
{
	char path[4096];

	path_join_id(path, sizeof path, d->mels_dir, d->tr.id[t], ".mel");
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die(EXIT_WORK, "%s", path);
	return fd;
}

void data_read_frames(const struct dataset *d, uint32_t t, int fd, uint64_t f, uint64_t n,
                      void *dst)
{
	read_rows(d, t, fd, f, n, dst);
}

/* Frames [f, f + n) of track t as model input into o [n][M]; the crop is
 * read through the page cache (pread: thread-safe, nothing mapped, nothing
 * kept).  u8 rows go through a small stack buffer, f32 rows straight into
 * o and are converted in place. */
static void crop_run(const struct dataset *d, uint32_t t, int fd, uint64_t f, uint64_t n,
                     float *o)
{
	int M = d->M;
	float a = d->a[t], b = d->b[t];

	if (d->dtype[t] == BIN_U8) {
		uint8_t buf[32768];
		uint64_t per = sizeof buf / (size_t)M;
		for (uint64_t done = 0; done < n; ) {
			uint64_t k = n - done < per ? n - done : per;
			read_rows(d, t, fd, f + done, k, buf);
			float *out = o + done * M;
			for (size_t j = 0; j < k * (size_t)M; j++)
				out[j] = a * (float)buf[j] + b;
			done += k;
		}
	} else {
		read_rows(d, t, fd, f, n, o);
		for (size_t j = 0; j < n * (size_t)M; j++) {
			if (!mel_value_ok(o[j])) {
				char path[4096];
				path_join_id(path, sizeof path, d->mels_dir, d->tr.id[t], ".mel");
				diex(EXIT_WORK, "%s: frame %llu: a value is not finite or beyond ±%g",
				     path, (unsigned long long)(f + j / (size_t)M),
				     (double)MEL_VALUE_MAX);
			}
			o[j] = a * o[j] + b;
		}
	}
}

void data_crop(const struct dataset *d, uint32_t t, uint64_t start, int T, float *dst)
{
	uint64_t F = d->frames[t];
	int fd = data_open_mel(d, t);

	for (uint64_t i = 0; i < (uint64_t)T; ) {
		uint64_t f = (start + i) % F;   /* short tracks loop */
		uint64_t n = (uint64_t)T - i < F - f ? (uint64_t)T - i : F - f;
		crop_run(d, t, fd, f, n, dst + i * (size_t)d->M);
		i += n;
	}
	if (close(fd) != 0)
		die(EXIT_WORK, "close %s/%s.mel", d->mels_dir, d->tr.id[t]);
}

void data_fill_batch(const struct dataset *d, struct workspace *ws, const struct model *m,
                     struct rng *r, const uint32_t (*pairs)[2], const uint32_t *idx, int B,
                     const uint32_t *pool, size_t npool)
{
	const struct conv_shape *c = &m->conv[0];
	int K = (int)m->cfg.nb_negatives + 1, T = c->T;
	size_t seq = (size_t)c->S * c->Ci, pad = (size_t)conv_pad_left(c->k) * c->Ci;

	for (int b = 0; b < B; b++) {
		uint32_t p = pairs[idx[b]][0];
		ws->pidx[b] = (int)p;
		for (int j = 0; j < K; j++) {
			uint32_t t = j == 0 ? pairs[idx[b]][1] : data_negative(d, r, p, pool, npool);
			uint64_t start = data_random_start(d, r, t, T);
			data_crop(d, t, start, T, ws->x[0] + (size_t)(b * K + j) * seq + pad);
		}
	}
}
