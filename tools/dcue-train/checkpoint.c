/* checkpoint.c — see checkpoint.h. */
#define _POSIX_C_SOURCE 200809L
#include "checkpoint.h"
#include "atomic.h"
#include "binfile.h"
#include "msg.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(sizeof(struct dcue_config) == 112, "dcue_config is stored verbatim");

void history_push(struct history *h, const struct metric_row *r)
{
	if (h->n == h->cap) {
		h->cap = h->cap ? 2 * h->cap : 64;
		h->rows = xrealloc(h->rows, h->cap * sizeof *h->rows);
	}
	h->rows[h->n++] = *r;
}

void history_free(struct history *h)
{
	free(h->rows);
	memset(h, 0, sizeof *h);
}

static void put_value(FILE *fp, double v)
{
	if (isnan(v))
		fputs("\tnan", fp);
	else
		fprintf(fp, "\t%.6g", v);
}

int history_write_tsv(const struct history *h, const char *path)
{
	struct atomic_file af;

	if (history_write_sealed(&af, h, path) != 0)
		return -1;
	return atomic_commit(&af);
}

int history_write_sealed(struct atomic_file *out, const struct history *h, const char *path)
{
	struct atomic_file af;

	if (atomic_open(&af, path) != 0)
		return -1;
	fputs("# kind\tepoch\tstep\ttrain_loss\ttrain_acc\tvalid_loss\tvalid_acc\tsamples_per_s"
	      "\telapsed_s\tactive_frac\n", af.fp);
	for (size_t i = 0; i < h->n; i++) {
		const struct metric_row *r = &h->rows[i];
		fprintf(af.fp, "%s\t%u\t%llu", r->kind == ROW_EPOCH ? "epoch" : "step", r->epoch,
		        (unsigned long long)r->step);
		put_value(af.fp, r->train_loss);
		put_value(af.fp, r->train_acc);
		put_value(af.fp, r->valid_loss);
		put_value(af.fp, r->valid_acc);
		put_value(af.fp, r->samples_per_s);
		put_value(af.fp, r->elapsed_s);
		put_value(af.fp, r->active_frac);
		fputc('\n', af.fp);
	}
	if (ferror(af.fp)) {
		int e = errno;
		atomic_abort(&af);
		errno = e ? e : EIO;
		return -1;
	}
	*out = af;
	return 0;
}

static void whole_rows(void *ctx, int which, size_t p0, size_t n, void *dst)
{
	const struct model *m = ctx;
	size_t H = m->cfg.hidden;

	if (which == 2)
		memcpy(dst, m->row_step + p0, n * sizeof(uint64_t));
	else
		memcpy(dst, (which == 0 ? m->param_mem : m->mom_mem) + p0 * H, n * H * sizeof(float));
}

int ckpt_write(const char *path, const struct model *m, const struct train_state *st,
               const struct history *h)
{
	struct ckpt_rows rows = { whole_rows, (void *)m };

	return ckpt_write_rows(path, m, &rows, st, h);
}

int ckpt_write_sealed(struct bin_writer *out, const char *path, const struct model *m,
                      const struct train_state *st, const struct history *h)
{
	struct ckpt_rows rows = { whole_rows, (void *)m };

	return ckpt_write_rows_sealed(out, path, m, &rows, st, h);
}

int ckpt_write_rows(const char *path, const struct model *m, const struct ckpt_rows *rows,
                    const struct train_state *st, const struct history *h)
{
	struct bin_writer w;

	if (ckpt_write_rows_sealed(&w, path, m, rows, st, h) != 0)
		return -1;
	return atomic_commit(&w.af);
}

int ckpt_write_rows_sealed(struct bin_writer *out, const char *path, const struct model *m,
                           const struct ckpt_rows *rows, const struct train_state *st,
                           const struct history *h)
{
	struct bin_writer w;
	struct bin_header hd;
	struct ckpt_meta meta;
	size_t P = m->cfg.n_playlists, H = m->cfg.hidden;
	size_t n_params = P * H + m->n_shared, shared = m->n_rows * H;
	int whole = rows->get == whole_rows;    /* m holds every row */
	float *buf;

	memset(&meta, 0, sizeof meta);
	meta.cfg = m->cfg;
	meta.st = *st;
	memset(&hd, 0, sizeof hd);
	memcpy(hd.magic, CKPT_MAGIC, sizeof CKPT_MAGIC);
	hd.version = CKPT_VERSION;
	hd.dtype = BIN_MIXED;
	hd.dims[0] = n_params;
	hd.dims[1] = h->n;
	hd.dims[2] = P;
	hd.meta_bytes = sizeof meta;
	hd.payload_bytes = ckpt_payload_bytes(n_params, h->n, P);
	if (bin_create(&w, path, &hd, &meta) != 0)
		return -1;
	buf = malloc((size_t)CKPT_ROW_BLOCK * (H + 2) * sizeof(float));   /* rows or steps */
	if (buf == NULL)
		goto fail;
	/* file order: table then shared weights, for the weights then the
	 * momentum (model.h's layout of a whole model, which therefore goes
	 * out as it lies, without a copy; a share's rows come in blocks) */
	for (int which = 0; which < 2; which++) {
		const float *mem = which == 0 ? m->param_mem : m->mom_mem, *sh = mem + shared;
		if (whole) {
			if (bin_write(&w, mem, n_params * sizeof(float)) != 0)
				goto fail;
			continue;
		}
		for (size_t p0 = 0; p0 < P; p0 += CKPT_ROW_BLOCK) {
			size_t n = P - p0 < CKPT_ROW_BLOCK ? P - p0 : CKPT_ROW_BLOCK;
			rows->get(rows->ctx, which, p0, n, buf);
			if (bin_write(&w, buf, n * H * sizeof(float)) != 0)
				goto fail;
		}
		if (bin_write(&w, sh, m->n_shared * sizeof(float)) != 0)
			goto fail;
	}
	if (bin_write(&w, h->rows, h->n * sizeof(struct metric_row)) != 0)
		goto fail;
	if (whole && bin_write(&w, m->row_step, P * sizeof(uint64_t)) != 0)
		goto fail;
	for (size_t p0 = whole ? P : 0; p0 < P; p0 += CKPT_ROW_BLOCK) {
		size_t n = P - p0 < CKPT_ROW_BLOCK ? P - p0 : CKPT_ROW_BLOCK;
		rows->get(rows->ctx, 2, p0, n, buf);
		if (bin_write(&w, buf, n * sizeof(uint64_t)) != 0)
			goto fail;
	}
	free(buf);
	if (bin_seal(&w) != 0)
		return -1;
	*out = w;
	return 0;
fail:;
	int e = errno ? errno : ENOMEM;
	free(buf);
	bin_abort(&w);
	errno = e;
	return -1;
}

/* The configuration and training state against what dcue-train can use,
 * before anything is sized from them: the option ranges of main.c, finite
 * floats, known enums, and a parameter count that the file actually holds
 * (so every allocation is bounded by the file's size).  Writes the first
 * problem into why; 0 when usable. */
static int check_meta(const struct ckpt_meta *meta, const struct bin_header *h, char *why,
                      size_t cap)
{
	const struct dcue_config *c = &meta->cfg;
	const struct train_state *st = &meta->st;
	size_t n;

#define BAD(...) return snprintf(why, cap, __VA_ARGS__), -1
	if (c->n_playlists == 0 || c->mel_bins == 0 || c->mel_bins > 4096 ||
	    c->mel_length < 128 || c->mel_length > 100000 || c->embedding == 0 ||
	    c->embedding > 65536 || c->channels == 0 || c->channels > 65536 ||
	    c->hidden == 0 || c->hidden > 65536)
		BAD("invalid architecture (%u playlists, %u mel bins, length %u, embedding %u, "
		    "%u channels, hidden %u)", c->n_playlists, c->mel_bins, c->mel_length,
		    c->embedding, c->channels, c->hidden);
	if (c->criterion > 1 || c->nb_negatives == 0 || c->nb_negatives > 10000 ||
	    c->batch_size == 0 || c->batch_size > 4096 || c->heldout_pct > 99 ||
	    c->train_pct > 100 || c->valid_pct > 100 - c->train_pct)
		BAD("invalid training settings (criterion %u, %u negatives, batch %u, split "
		    "%u,%u, held out %u)", c->criterion, c->nb_negatives, c->batch_size,
		    c->train_pct, c->valid_pct, c->heldout_pct);
	if (!isfinite(c->margin) || !isfinite(c->lr) || !isfinite(c->momentum) ||
	    !(c->mel_min >= -1e6f && c->mel_max <= 1e6f && c->mel_max > c->mel_min) ||
	    !(c->mel_mean >= -1e6f && c->mel_mean <= 1e6f) ||
	    !(c->mel_std > 0 && c->mel_std <= 1e6f))
		BAD("invalid values (margin %g, lr %g, momentum %g, mel range [%g, %g], mean %g, "
		    "std %g)", (double)c->margin, (double)c->lr, (double)c->momentum,
		    (double)c->mel_min, (double)c->mel_max, (double)c->mel_mean,
		    (double)c->mel_std);
	if (!isfinite(st->loss_sum) || !isfinite(st->correct) || !isfinite(st->samples) ||
	    !isfinite(st->active_terms) || !isfinite(st->terms) || !isfinite(st->seconds) ||
	    !isfinite(st->elapsed) || st->step_in_epoch > st->step)
		BAD("invalid training state");
	n = model_n_params(c);
	if (n == 0 || h->dims[0] != n)
		BAD("%llu parameters stored, the configuration needs %zu",
		    (unsigned long long)h->dims[0], n);
	/* bin_open checked payload_bytes against the file's size; version 2
	 * adds every row's last step (lazy rows) after the history */
	uint64_t nsteps = h->version >= 2 ? c->n_playlists : 0;
	if (h->dims[2] != nsteps)
		BAD("%llu row steps stored for %u playlists", (unsigned long long)h->dims[2],
		    c->n_playlists);
#undef BAD
	return ckpt_check_payload_size(h, why, cap);
}

/* The index of v's [n] first value that is NaN or infinite, or n.  A value
 * is not finite when its exponent bits are all set; the blocks are scanned
 * without a branch per value (the compiler vectorises the fixed-length
 * loop), and only a block that holds one is searched again: a checkpoint of
 * a million playlists holds 600 M values. */
static size_t first_nonfinite(const float *v, size_t n)
{
	enum { BLOCK = 4096 };
	size_t a = 0;

	for (; a + BLOCK <= n; a += BLOCK) {
		uint32_t bad = 0;
		for (size_t i = 0; i < BLOCK; i++) {
			uint32_t u;
			memcpy(&u, &v[a + i], sizeof u);
			bad |= (u & 0x7f800000u) == 0x7f800000u;
		}
		if (bad)
			break;
	}
	for (; a < n; a++)
		if (!isfinite(v[a]))
			return a;
	return n;
}

/* Parameters and momentum finite, history rows of a known kind. */
static int check_payload(const struct model *m, const struct history *h, char *why, size_t cap)
{
	const float *part[2] = { m->param_mem, m->mom_mem };
	const char *name[2] = { "parameter", "momentum" };

	for (int k = 0; k < 2; k++) {
		size_t i = first_nonfinite(part[k], m->n_params);
		if (i < m->n_params)
			return snprintf(why, cap, "%s %zu is not finite", name[k], i), -1;
	}
	return ckpt_check_history(h->rows, h->n, why, cap);
}

int ckpt_read(const char *path, struct model *m, struct train_state *st, struct history *h,
              char *err, size_t errcap)
{
	struct train_state s;

	if (ckpt_read_part(path, m, 1, 0, &s, h, err, errcap) != 0)
		return -1;
	model_rows_catch_up(m, s.step, m->cfg.lr, m->cfg.momentum);
	if (st != NULL)
		*st = s;
	return 0;
}

/* n_params floats of the file's layout (table, shared) into m's, keeping
 * the rows of m's part. */
static int read_part(struct bin_reader *r, const struct model *m, float *dst)
{
	size_t P = m->cfg.n_playlists, H = m->cfg.hidden, S = (size_t)m->parts;

	if (S == 1)
		return bin_read(r, dst, (P * H + m->n_shared) * sizeof(float));
	float *buf = malloc((size_t)CKPT_ROW_BLOCK * H * sizeof(float));
	if (buf == NULL) {
		snprintf(r->err, sizeof r->err, "%s: out of memory", r->path);
		return -1;
	}
	for (size_t p0 = 0; p0 < P; p0 += CKPT_ROW_BLOCK) {
		size_t n = P - p0 < CKPT_ROW_BLOCK ? P - p0 : CKPT_ROW_BLOCK;
		if (bin_read(r, buf, n * H * sizeof(float)) != 0) {
			free(buf);
			return -1;
		}
		for (size_t p = p0; p < p0 + n; p++)
			if (p % S == (size_t)m->part)
				memcpy(dst + (p / S) * H, buf + (p - p0) * H, H * sizeof(float));
	}
	free(buf);
	return bin_read(r, dst + m->n_rows * H, m->n_shared * sizeof(float));
}

/* row_step[P] (steps, checked: the data CRC held), keeping m's part; no
 * row can be ahead of the training. */
static int take_steps(struct model *m, const uint64_t *steps, uint64_t step, char *why,
                      size_t cap)
{
	size_t P = m->cfg.n_playlists, S = (size_t)m->parts;

	for (size_t p = 0; p < P; p++) {
		if (steps[p] > step)
			return snprintf(why, cap, "playlist row %zu at step %llu, after the "
			                "training's %llu", p, (unsigned long long)steps[p],
			                (unsigned long long)step), -1;
		if (p % S == (size_t)m->part)
			m->row_step[p / S] = steps[p];
	}
	return 0;
}

int ckpt_read_part(const char *path, struct model *m, int parts, int part,
                   struct train_state *st, struct history *h, char *err, size_t errcap)
{
	struct bin_reader r;
	struct ckpt_meta meta;
	struct history tmp = { 0 };
	uint64_t *steps = NULL;
	char why[256];
	int have_model = 0;

	/* One pass.  The header has its own CRC and bin_open matched its
	 * sizes against the file's; the configuration is checked against them
	 * before anything is sized from it (check_meta), so every allocation
	 * is bounded by the file.  The values read are used only after the
	 * last bin_read has checked the data CRC (of meta and payload), then
	 * checked themselves.  Only a configuration refused by check_meta
	 * costs a pass of its own: the CRC, to tell corruption from a file
	 * made with other limits. */
	if (bin_open(&r, path, CKPT_MAGIC, CKPT_VERSION, &meta, sizeof meta) != 0)
		goto fail;
	if (check_meta(&meta, &r.h, why, sizeof why) != 0) {
		/* a damaged file says so, rather than what its damage looks like */
		if (bin_verify(&r) != 0)
			goto fail;
		goto bad;
	}
	model_init_part(m, &meta.cfg, parts, part);
	have_model = 1;
	uint64_t nsteps = ckpt_rowsteps(&r.h);   /* P or 0: check_meta */
	tmp.n = tmp.cap = r.h.dims[1];
	tmp.rows = xmalloc((tmp.n + 1) * sizeof *tmp.rows);
	/* a whole model's row_step is the file's; a share's is kept from them */
	steps = parts == 1 ? m->row_step : xmalloc((nsteps + 1) * sizeof *steps);
	if (read_part(&r, m, m->param_mem) != 0 || read_part(&r, m, m->mom_mem) != 0 ||
	    bin_read(&r, tmp.rows, tmp.n * sizeof(struct metric_row)) != 0 ||
	    bin_read(&r, steps, nsteps * sizeof(uint64_t)) != 0)
		goto fail;
	if (check_payload(m, &tmp, why, sizeof why) != 0)
		goto bad;
	if (nsteps == 0)
		model_rows_set_step(m, meta.st.step);
	else if (take_steps(m, steps, meta.st.step, why, sizeof why) != 0)
		goto bad;
	if (steps != m->row_step)
		free(steps);
	bin_close(&r);
	if (st != NULL)
		*st = meta.st;
	if (h != NULL) {
		history_free(h);
		*h = tmp;
	} else {
		free(tmp.rows);
	}
	return 0;
bad:
	snprintf(r.err, sizeof r.err, "%s: %s", path, why);
fail:
	snprintf(err, errcap, "%s", r.err);
	bin_close(&r);
	if (have_model && steps != m->row_step)
		free(steps);
	free(tmp.rows);
	if (have_model)
		model_free(m);
	return -1;
}

#define DIFF_U(field, name) \
	if (a->field != b->field) \
		return snprintf(buf, cap, "%s: %llu in the checkpoint, %llu now", name, \
		                (unsigned long long)a->field, (unsigned long long)b->field), 1
#define DIFF_F(field, name) \
	if (a->field != b->field) \
		return snprintf(buf, cap, "%s: %g in the checkpoint, %g now", name, (double)a->field, \
		                (double)b->field), 1

int config_diff_arch(const struct dcue_config *a, const struct dcue_config *b, char *buf,
                     size_t cap)
{
	DIFF_U(n_playlists, "playlists (--mpd, --limit)");
	DIFF_U(mel_bins, "--mel-bins");
	DIFF_U(mel_length, "--mel-length");
	DIFF_U(embedding, "--embedding-size");
	DIFF_U(channels, "--channels");
	DIFF_U(hidden, "--hidden");
	return 0;
}

int config_diff_training(const struct dcue_config *a, const struct dcue_config *b, char *buf,
                         size_t cap)
{
	DIFF_U(criterion, "--criterion");
	DIFF_U(nb_negatives, "--nb-negatives");
	DIFF_U(batch_size, "--batch-size");
	DIFF_U(train_pct, "--split (train)");
	DIFF_U(valid_pct, "--split (valid)");
	DIFF_U(heldout_pct, "--heldout");
	DIFF_U(limit, "--limit");
	DIFF_U(steps_per_epoch, "--steps-per-epoch");
	DIFF_F(margin, "--margin");
	DIFF_F(lr, "--lr");
	DIFF_F(momentum, "--momentum");
	DIFF_F(mel_min, "--mel-min");
	DIFF_F(mel_max, "--mel-max");
	DIFF_F(mel_mean, "--mel-mean");
	DIFF_F(mel_std, "--mel-std");
	DIFF_U(seed, "--seed");
	DIFF_U(n_tracks, "tracks in tracks.tsv");
	DIFF_U(n_mel_tracks, "tracks with a .mel");
	DIFF_U(split_crc, "the track split");
	return 0;
}
