/* train.c — `dcue-train train`: the training loop, metrics and checkpoints.
 *
 * An epoch is one pass over the training interactions in a seeded order
 * (or --steps-per-epoch steps).  Step s takes the next B interactions of
 * that order: the global batch.  Sample b of step s draws its negatives and
 * crop starts from its own generator, seeded from (seed, s, b), so a
 * sample is the same whichever thread or rank runs it: --threads N and
 * `mpirun -np N` train on exactly the batches one process does, and a run
 * resumed from any checkpoint replays what the uninterrupted run did.
 *
 * A step (this rank's share of the batch split between --threads replicas,
 * each with its own workspace and single-threaded GEMMs):
 *   1. the playlist rows the batch uses, brought up to date (lazy rows,
 *      model.h) and gathered into a compact table [U][H] (from their
 *      owning ranks under MPI: a sum over ranks of B*H floats at most);
 *   2. each replica: its samples' crops, forward, backward into its own
 *      gradient block [n_shared + U*H];
 *   3. reduce.h: the blocks summed over threads, then over ranks;
 *   4. Nesterov on the shared weights; each used row updated by its owner.
 * Nothing in a step costs in proportion to the number of playlists. */
#define _POSIX_C_SOURCE 200809L
#include "atomic.h"
#include "binfile.h"
#include "checkpoint.h"
#include "dcue.h"
#include "dist.h"
#include "layers.h"
#include "msg.h"
#include "pool.h"
#include "progress.h"
#include "reduce.h"

#include <cblas.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

enum { STREAM_INIT = 11, STREAM_TRAIN = 12, STREAM_ORDER = 13, STREAM_VALID = 14,
       STREAM_SAMPLE = 15 };

static void seed_stream(struct rng *r, uint64_t seed, uint64_t stream)
{
	rng_seed(r, seed ^ (stream * 0xD1B54A32D192ED03ull));
}

static uint64_t mix64(uint64_t x)
{
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
	return x ^ (x >> 31);
}

/* The generator of one sample: (seed, stream, key) → its own sequence. */
static void sample_rng(struct rng *r, uint64_t seed, uint64_t stream, uint64_t key)
{
	rng_seed(r, mix64(mix64(seed ^ (stream * 0xD1B54A32D192ED03ull)) + key));
}

/* One worker's model view, workspace and gradient block. */
struct replica {
	struct model m;           /* shares the trainer's weights (model_bind_replica) */
	struct workspace ws;
	float *grad;              /* [n_shared + bmax*H] */
	int b0, nb;               /* its samples: global batch positions b0.. */
	struct step_stats st;
};

struct trainer {
	struct options *o;
	struct dataset *d;
	struct model m;           /* the shared weights and this rank's playlist rows */
	struct train_state st;
	struct history hist;
	struct rng rng;
	struct pool pool;
	struct replica *rep;      /* [pool.n] */
	int bmax;                 /* samples per replica at most */
	float *rows;              /* [B][H] the batch's playlist rows, compact */
	float **blk;              /* [pool.n] the replicas' gradient blocks */
	float *w;                 /* [pool.n] their weights in the sum */
	uint32_t *order;          /* [n_train_pairs] this epoch's order */
	uint32_t *idx;            /* [B] the global batch: indices into pairs */
	uint32_t *urow;           /* [B] the batch's distinct playlists */
	int *slot;                /* [B] sample → its row in rows */
	uint32_t (*sorted)[2];    /* [B] scratch: (playlist, sample) */
	int U;                    /* distinct playlists in the batch */
	/* what the workers run on */
	const uint32_t (*pairs)[2];
	const uint32_t *pool_tracks;
	size_t npool;
	uint64_t stream, key0;    /* sample b's generator: key key0 + b */
	int B, train, skip;
	uint64_t steps_per_epoch;
	double run_start;         /* this run's start; st.elapsed is what came before */
	/* since the last --log-steps row */
	double log_loss, log_correct, log_samples, log_active, log_terms, log_t0;
};

/* The checkpoint and the metrics TSV: one set (save_outputs, below). */
static void save_outputs(struct trainer *t, int with_ckpt);

static void save(struct trainer *t)
{
	save_outputs(t, 1);
}

static void write_metrics(struct trainer *t)
{
	save_outputs(t, 0);
}

static void make_order(struct trainer *t, uint64_t epoch)
{
	struct rng r;

	for (size_t i = 0; i < t->d->n_train_pairs; i++)
		t->order[i] = (uint32_t)i;
	seed_stream(&r, t->m.cfg.seed, STREAM_ORDER + 1000 * (epoch + 1));
	rng_shuffle_u32(&r, t->order, t->d->n_train_pairs);
}

static int by_playlist(const void *a, const void *b)
{
	const uint32_t *x = a, *y = b;
	return x[0] != y[0] ? (x[0] < y[0] ? -1 : 1) : (x[1] > y[1]) - (x[1] < y[1]);
}

/* Step 1: the distinct playlists of samples pairs[idx[0..b)], each row
 * brought up to the current step by its owner and summed over the ranks
 * into t->rows (only the owner's is non-zero); t->slot[j] is sample j's. */
static void gather_rows(struct trainer *t, int b)
{
	size_t H = t->m.cfg.hidden;
	struct model *m = &t->m;

	for (int j = 0; j < b; j++) {
		t->sorted[j][0] = t->pairs[t->idx[j]][0];
		t->sorted[j][1] = (uint32_t)j;
	}
	qsort(t->sorted, (size_t)b, sizeof t->sorted[0], by_playlist);
	t->U = 0;
	for (int j = 0; j < b; j++) {
		if (j == 0 || t->sorted[j][0] != t->sorted[j - 1][0])
			t->urow[t->U++] = t->sorted[j][0];
		t->slot[t->sorted[j][1]] = t->U - 1;
	}
	for (int u = 0; u < t->U; u++) {
		uint32_t p = t->urow[u];
		float *dst = t->rows + (size_t)u * H;
		if (p % (uint32_t)dist.size != (uint32_t)dist.rank) {
			memset(dst, 0, H * sizeof(float));
			continue;
		}
		size_t l = p / (uint32_t)dist.size;
		model_row_catch_up(m, l, t->st.step, m->cfg.lr, m->cfg.momentum);
		memcpy(dst, m->p.emb + l * H, H * sizeof(float));
	}
	dist_sum_floats(t->rows, (size_t)t->U * H);
}

/* This rank's share of b samples, then thread i's share of that. */
static void share(int b, int i, int n, int *lo, int *cnt)
{
	int r0 = (int)((long long)b * dist.rank / dist.size);
	int r1 = (int)((long long)b * (dist.rank + 1) / dist.size);
	int t0 = r0 + (int)((long long)(r1 - r0) * i / n);
	int t1 = r0 + (int)((long long)(r1 - r0) * (i + 1) / n);
	*lo = t0;
	*cnt = t1 - t0;
}

/* Step 2 for replica i: crops, forward and (training) backward. */
static void work(void *ctx, int i)
{
	struct trainer *t = ctx;
	struct replica *r = &t->rep[i];
	const struct dataset *d = t->d;
	const struct conv_shape *c = &t->m.conv[0];
	int K = (int)t->m.cfg.nb_negatives + 1, T = c->T;
	size_t seq = (size_t)c->S * c->Ci, pad = (size_t)conv_pad_left(c->k) * c->Ci;

	share(t->B, i, t->pool.n, &r->b0, &r->nb);
	for (int j = 0; j < r->nb; j++) {
		int b = r->b0 + j;
		uint32_t p = t->pairs[t->idx[b]][0];
		struct rng g;
		sample_rng(&g, t->m.cfg.seed, t->stream, t->key0 + (uint64_t)b);
		r->ws.pidx[j] = t->slot[b];
		for (int k = 0; k < K; k++) {
			uint32_t tr = k == 0 ? t->pairs[t->idx[b]][1]
			                     : data_negative(d, &g, p, t->pool_tracks, t->npool);
			uint64_t start = data_random_start(d, &g, tr, T);
			data_crop(d, tr, start, T, r->ws.x[0] + (size_t)(j * K + k) * seq + pad);
		}
	}
	memset(&r->st, 0, sizeof r->st);
	if (!t->train) {
		if (r->nb > 0)
			model_eval_step(&r->m, &r->ws, r->nb, K, (enum criterion)t->m.cfg.criterion,
			                t->m.cfg.margin, &r->st);
		return;
	}
	memset(r->grad, 0, (t->m.n_shared + (size_t)t->U * t->m.cfg.hidden) * sizeof(float));
	if (r->nb > 0)
		model_train_step(&r->m, &r->ws, r->nb, K, (enum criterion)t->m.cfg.criterion,
		                 t->m.cfg.margin, t->skip, &r->st);
}

/* Step 3, the threads' part: each sums its slice of the blocks. */
static void reduce_work(void *ctx, int i)
{
	struct trainer *t = ctx;
	size_t lo, hi, n = t->m.n_shared + (size_t)t->U * t->m.cfg.hidden;

	reduce_slice(n, i, t->pool.n, &lo, &hi);
	reduce_replicas(t->blk, t->w, t->pool.n, lo, hi);
}

/* The replicas' loss*samples, correct, active terms, samples, summed over
 * threads and ranks into out[4]. */
static void sum_stats(struct trainer *t, double out[4])
{
	memset(out, 0, 4 * sizeof(double));
	for (int i = 0; i < t->pool.n; i++) {
		const struct replica *r = &t->rep[i];
		if (r->nb == 0)
			continue;
		out[0] += r->st.loss * r->nb;
		out[1] += r->st.correct;
		out[2] += r->st.active_terms;
		out[3] += r->nb;
	}
	dist_sum_doubles(out, 4);
}

/* One optimiser step on the global batch t->idx[0..B): out[4] as above. */
static void train_step(struct trainer *t, double out[4])
{
	struct model *m = &t->m;
	size_t H = m->cfg.hidden;
	float lr = m->cfg.lr, mu = m->cfg.momentum;

	t->pairs = (const uint32_t (*)[2])t->d->train_pairs;
	t->pool_tracks = t->d->train_tracks;
	t->npool = t->d->n_train;
	t->stream = STREAM_SAMPLE;
	t->key0 = t->st.step * (uint64_t)t->B;
	t->train = 1;
	gather_rows(t, t->B);
	pool_run(&t->pool, work, t);
	for (int i = 0; i < t->pool.n; i++)
		t->w[i] = (float)t->rep[i].nb / (float)t->B;
	if (t->pool.n == 1 && dist.size == 1)
		t->w[0] = 1.0f;      /* the whole batch: the block as it is */
	pool_run(&t->pool, reduce_work, t);
	reduce_ranks(t->blk[0], m->n_shared + (size_t)t->U * H);
	model_sgd_shared(m, t->blk[0], lr, mu);
	for (int u = 0; u < t->U; u++) {
		uint32_t p = t->urow[u];
		if (p % (uint32_t)dist.size == (uint32_t)dist.rank)
			model_row_step(m, p / (uint32_t)dist.size, t->blk[0] + m->n_shared + (size_t)u * H,
			               t->st.step, lr, mu);
	}
	sum_stats(t, out);
}

/* Mean loss and accuracy over (at most --valid-samples) validation
 * interactions, sampled the same way every epoch. */
static void validate(struct trainer *t, double *loss, double *acc)
{
	const struct dataset *d = t->d;
	int B = (int)t->m.cfg.batch_size, K = (int)t->m.cfg.nb_negatives + 1;
	size_t n = d->n_valid_pairs;
	double ls = 0, cs = 0, ns = 0;

	*loss = *acc = NAN;
	if (n == 0 || d->n_valid < (size_t)K || t->o->valid_samples == 0)
		return;
	if (t->o->valid_samples > 0 && (size_t)t->o->valid_samples < n)
		n = (size_t)t->o->valid_samples;
	t->pairs = (const uint32_t (*)[2])d->valid_pairs;
	t->pool_tracks = d->valid_tracks;
	t->npool = d->n_valid;
	t->stream = STREAM_VALID;
	t->train = 0;
	for (size_t i = 0; i < n; i += (size_t)B) {
		int b = (int)(n - i < (size_t)B ? n - i : (size_t)B);
		double s[4];
		for (int j = 0; j < b; j++)   /* spread over all validation pairs */
			t->idx[j] = (uint32_t)((i + (size_t)j) * d->n_valid_pairs / n);
		t->key0 = i;
		t->B = b;
		gather_rows(t, b);
		pool_run(&t->pool, work, t);
		sum_stats(t, s);
		ls += s[0];
		cs += s[1];
		ns += s[3];
	}
	t->B = B;
	*loss = ls / ns;
	*acc = cs / ns;
}

static void log_step_row(struct trainer *t)
{
	struct metric_row r;
	double now = now_seconds();

	r.kind = ROW_STEP;
	r.epoch = (uint32_t)t->st.epoch + 1;
	r.step = t->st.step;
	r.train_loss = t->log_loss / t->log_samples;
	r.train_acc = t->log_correct / t->log_samples;
	r.valid_loss = r.valid_acc = NAN;
	r.samples_per_s = t->log_samples / (now - t->log_t0);
	r.elapsed_s = t->st.elapsed + (now - t->run_start);
	r.active_frac = t->log_terms > 0 ? t->log_active / t->log_terms : NAN;
	history_push(&t->hist, &r);
	t->log_loss = t->log_correct = t->log_samples = t->log_active = t->log_terms = 0;
	t->log_t0 = now;
}

static void end_epoch(struct trainer *t)
{
	struct metric_row r;
	double vl, va;

	validate(t, &vl, &va);
	r.kind = ROW_EPOCH;
	r.epoch = (uint32_t)t->st.epoch + 1;
	r.step = t->st.step;
	r.train_loss = t->st.loss_sum / t->st.samples;
	r.train_acc = t->st.correct / t->st.samples;
	r.valid_loss = vl;
	r.valid_acc = va;
	r.samples_per_s = t->st.seconds > 0 ? t->st.samples / t->st.seconds : NAN;
	r.elapsed_s = t->st.elapsed + (now_seconds() - t->run_start);
	r.active_frac = t->st.terms > 0 ? t->st.active_terms / t->st.terms : NAN;
	history_push(&t->hist, &r);
	if (!t->o->quiet)
		fprintf(stderr, "epoch %u: train loss %.4f acc %.3f, valid loss %.4f acc %.3f, "
		        "%.1f samples/s, active %.3f, %.0f s\n", r.epoch, r.train_loss, r.train_acc,
		        vl, va, r.samples_per_s, r.active_frac, r.elapsed_s);
	t->st.epoch++;
	t->st.step_in_epoch = 0;
	t->st.loss_sum = t->st.correct = t->st.samples = 0;
	t->st.active_terms = t->st.terms = t->st.seconds = 0;
	save(t);                  /* the checkpoint and the metrics, as one set */
}

/* Loads --load: a resume when every setting matches, else a fine-tune
 * (weights only) when the architecture does; refuses anything else.  Each
 * rank keeps its own playlists' rows. */
static void load_checkpoint(struct trainer *t)
{
	struct model old;
	struct train_state st;
	struct history h = { 0 };
	char err[1024], what[256];

	if (ckpt_read_part(t->o->load, &old, dist.size, dist.rank, &st, &h, err, sizeof err) != 0)
		diex(EXIT_WORK, "%s", err);
	if (config_diff_arch(&old.cfg, &t->m.cfg, what, sizeof what))
		diex(EXIT_WORK, "%s: a different model (%s)", t->o->load, what);
	if (config_diff_training(&old.cfg, &t->m.cfg, what, sizeof what)) {
		if (!t->o->quiet)
			warnx("%s: fine-tuning its weights (not a resume: %s)", t->o->load, what);
		/* its weights as of its last step; a fresh optimiser from here */
		model_rows_catch_up(&old, st.step, old.cfg.lr, old.cfg.momentum);
		memcpy(t->m.param_mem, old.param_mem, old.n_params * sizeof(float));
		history_free(&h);
	} else {
		memcpy(t->m.param_mem, old.param_mem, old.n_params * sizeof(float));
		memcpy(t->m.mom_mem, old.mom_mem, old.n_params * sizeof(float));
		memcpy(t->m.row_step, old.row_step, old.n_rows * sizeof(uint64_t));
		t->st = st;
		memcpy(t->rng.s, st.rng, sizeof st.rng);
		history_free(&t->hist);
		t->hist = h;
		if (!t->o->quiet)
			warnx("%s: resuming after epoch %llu, step %llu", t->o->load,
			      (unsigned long long)st.epoch, (unsigned long long)st.step);
	}
	model_free(&old);
}

/* Rows p0..p0+n of the whole table for the checkpoint writer
 * (checkpoint.h), gathered from their owners on rank 0: the rows of one
 * rank in any range of playlists are consecutive local rows. */
struct gather_ctx {
	struct trainer *t;
	char *stage;              /* a block, as received on rank 0 */
	char *mine;               /* this rank's rows of the block */
	int *cnts, *offs;         /* [size] bytes */
};

/* Rank r's local rows among playlists p0..p0+n: l0.. (cnt of them). */
static void rows_of(size_t p0, size_t n, int rank, size_t *l0, size_t *cnt)
{
	size_t S = (size_t)dist.size, r = (size_t)rank;
	size_t a = p0 <= r ? 0 : (p0 - r + S - 1) / S;             /* first local row >= p0 */
	size_t b = p0 + n <= r ? 0 : (p0 + n - r + S - 1) / S;     /* first >= p0+n */
	*l0 = a;
	*cnt = b - a;
}

static void gather_block(void *ctx, int which, size_t p0, size_t n, void *dst)
{
	struct gather_ctx *g = ctx;
	const struct model *m = &g->t->m;
	size_t H = m->cfg.hidden, l0, cnt, S = (size_t)dist.size;
	size_t row = which == 2 ? sizeof(uint64_t) : H * sizeof(float);
	const char *src = which == 2 ? (const char *)m->row_step
	                : (const char *)(which == 0 ? m->param_mem : m->mom_mem);

	rows_of(p0, n, dist.rank, &l0, &cnt);
	if (S == 1) {
		memcpy(dst, src + l0 * row, cnt * row);
		return;
	}
	memcpy(g->mine, src + l0 * row, cnt * row);
	if (dist.rank == 0) {
		int off = 0;
		for (int r = 0; r < dist.size; r++) {
			size_t a, k;
			rows_of(p0, n, r, &a, &k);
			g->cnts[r] = (int)(k * row);
			g->offs[r] = off;
			off += (int)(k * row);
		}
	}
	dist_gather(g->mine, cnt * row, g->stage, g->cnts, g->offs);
	if (dist.rank != 0)
		return;
	/* rank r's q-th row of the block is playlist (l0 + q)*S + r */
	for (int r = 0; r < dist.size; r++) {
		size_t a, k;
		rows_of(p0, n, r, &a, &k);
		for (size_t q = 0; q < k; q++) {
			size_t p = (a + q) * S + (size_t)r;
			memcpy((char *)dst + (p - p0) * row, g->stage + (size_t)g->offs[r] + q * row, row);
		}
	}
}

/* The rows are written as lazily held, with their row_step: a resume
 * continues bit for bit, and readers bring them up to date. */
/* The checkpoint (with_ckpt) and the metrics TSV are one set — the
 * checkpoint carries the same history — replaced together or not at all,
 * by rank 0; the checkpoint's playlist rows are gathered from every rank
 * block by block, so every rank takes part. */
static void save_outputs(struct trainer *t, int with_ckpt)
{
	struct train_state st = t->st;
	struct model *m = &t->m;
	struct bin_writer w;
	struct atomic_file mf;
	struct atomic_file *set[2];
	const char *name[2];
	size_t n = 0, bad;

	memcpy(st.rng, t->rng.s, sizeof st.rng);
	st.elapsed = t->st.elapsed + (now_seconds() - t->run_start);
	if (with_ckpt && t->o->save != NULL) {
		size_t bytes = (size_t)CKPT_ROW_BLOCK * (m->cfg.hidden + 2) * sizeof(float);
		struct gather_ctx g = { t, NULL, NULL, NULL, NULL };
		g.stage = xmalloc(bytes);
		g.mine = xmalloc(bytes);
		g.cnts = xcalloc((size_t)dist.size, sizeof(int));
		g.offs = xcalloc((size_t)dist.size, sizeof(int));
		struct ckpt_rows rows = { gather_block, &g };
		if (dist.rank == 0) {
			if (ckpt_write_rows_sealed(&w, t->o->save, m, &rows, &st, &t->hist) != 0)
				die(EXIT_WORK, "%s: cannot write", t->o->save);
			set[n] = &w.af;
			name[n++] = t->o->save;
		} else {
			/* the same sequence of blocks as the writer on rank 0 */
			size_t P = m->cfg.n_playlists;
			for (int which = 0; which < 3; which++)
				for (size_t p0 = 0; p0 < P; p0 += CKPT_ROW_BLOCK)
					gather_block(&g, which, p0,
					             P - p0 < CKPT_ROW_BLOCK ? P - p0 : CKPT_ROW_BLOCK, g.stage);
		}
		free(g.stage), free(g.mine), free(g.cnts), free(g.offs);
	}
	if (dist.rank == 0 && t->o->metrics != NULL && t->hist.n > 0) {
		if (history_write_sealed(&mf, &t->hist, t->o->metrics) != 0) {
			int e = errno;
			if (n > 0)
				bin_abort(&w);
			errno = e;
			die(EXIT_WORK, "%s: cannot write", t->o->metrics);
		}
		set[n] = &mf;
		name[n++] = t->o->metrics;
	}
	if (n > 0 && atomic_commit_set(set, n, &bad) != 0)
		die(EXIT_WORK, "%s: cannot write", name[bad]);
	/* nobody goes on (or leaves) before the files are whole */
	if (with_ckpt && t->o->save != NULL)
		dist_barrier();
}

static void worker_init(void)
{
	openblas_set_num_threads(1);
}

/* Under mpirun: every rank must run the same options on the same data. */
static void check_ranks(const struct trainer *t)
{
	const struct dataset *d = t->d;
	struct { uint32_t argv, tracks, playlists, mels, cfg; } me, *all;
	static const char *const what[] = { "the options", "tracks.tsv (--mpd)",
	                                    "playlists.bin (--mpd)",
	                                    "the usable .mel files (--mels, --skip-bad)",
	                                    "the measured mel scaling" };
	uLong z = crc32(0, Z_NULL, 0);

	if (dist.size == 1)
		return;
	me.argv = (uint32_t)z;
	for (int i = 0; i < t->o->argc; i++)
		me.argv = (uint32_t)crc32(me.argv, (const Bytef *)t->o->argv[i],
		                          (uInt)strlen(t->o->argv[i]) + 1);
	me.tracks = (uint32_t)z;
	for (size_t i = 0; i < d->tr.n; i++)
		me.tracks = (uint32_t)crc32(me.tracks, (const Bytef *)d->tr.id[i],
		                            (uInt)strlen(d->tr.id[i]) + 1);
	me.playlists = (uint32_t)crc32(z, (const Bytef *)d->pl.offsets,
	                               (uInt)((d->pl.n_playlists + 1) * sizeof(uint64_t)));
	for (size_t e = 0; e < d->pl.n_entries; e += (size_t)1 << 28) {
		size_t k = d->pl.n_entries - e < ((size_t)1 << 28) ? d->pl.n_entries - e : (size_t)1 << 28;
		me.playlists = (uint32_t)crc32(me.playlists, (const Bytef *)(d->pl.track + e),
		                               (uInt)(k * sizeof(uint32_t)));
	}
	me.mels = (uint32_t)crc32(z, (const Bytef *)d->frames, (uInt)(d->n_tracks * sizeof(uint32_t)));
	me.cfg = (uint32_t)crc32(z, (const Bytef *)&t->o->cfg, sizeof t->o->cfg);
	all = xmalloc((size_t)dist.size * sizeof me);
	dist_allgather(&me, all, sizeof me);
	int bad = 0;
	for (int r = 1; r < dist.size; r++) {
		const uint32_t *a = (const uint32_t *)&all[0], *b = (const uint32_t *)&all[r];
		for (int k = 0; k < 5; k++)
			if (a[k] != b[k]) {
				if (r == dist.rank)
					warnx("%s differ from rank 0's: this rank refuses to start", what[k]);
				bad = 1;
				break;
			}
	}
	free(all);
	if (bad) {
		if (dist.rank == 0)
			warnx("the ranks were started with different options or data: not training");
		dist_barrier();
		dist_finish();
		exit(EXIT_WORK);
	}
}

int cmd_train(struct options *o)
{
	struct dataset d;
	struct trainer t;
	struct progress pg;
	char label[64], extra[128];

	memset(&t, 0, sizeof t);
	t.o = o;
	t.d = &d;
	if (dist.rank != 0)
		o->quiet = 1;        /* rank 0 speaks for the job; errors still name their rank */
	load_data(&d, o);
	int B = (int)o->cfg.batch_size, K = (int)o->cfg.nb_negatives + 1;
	if (d.n_train_pairs == 0)
		diex(EXIT_WORK, "%s: no training interactions (tracks with a .mel in %s?)", o->mpd,
		     o->mels);
	if (d.n_train < (size_t)K)
		diex(EXIT_WORK, "only %zu training tracks for %d negatives per sample", d.n_train,
		     K - 1);
	o->cfg.n_playlists = (uint32_t)d.pl.n_playlists;
	o->cfg.n_tracks = (uint32_t)d.n_tracks;
	o->cfg.n_mel_tracks = (uint32_t)d.n_mel;
	o->cfg.split_crc = d.split_crc;
	check_ranks(&t);
	model_init_part(&t.m, &o->cfg, dist.size, dist.rank);
	seed_stream(&t.rng, o->cfg.seed, STREAM_INIT);
	model_randomize(&t.m, &t.rng);
	seed_stream(&t.rng, o->cfg.seed, STREAM_TRAIN);
	/* --load X --save X with no X yet is a first run (what a Makefile rule
	 * that resumes itself does) */
	if (o->load != NULL && o->save != NULL && strcmp(o->load, o->save) == 0 &&
	    access(o->load, F_OK) != 0 && errno == ENOENT) {
		if (!o->quiet)
			warnx("%s does not exist yet: starting from scratch", o->load);
	} else if (o->load != NULL) {
		load_checkpoint(&t);
	}
	/* --threads N: N replicas with single-threaded GEMMs; without it, one
	 * replica and OpenBLAS's own threads (one per rank under mpirun) */
	int nthreads = o->threads > 0 ? o->threads : 1;
	if (o->threads > 0 || dist.size > 1)
		openblas_set_num_threads(1);
	int per_rank = (B + dist.size - 1) / dist.size;
	if (nthreads > per_rank)
		nthreads = per_rank;
	t.bmax = (per_rank + nthreads - 1) / nthreads;
	pool_init(&t.pool, nthreads, o->threads > 0 || dist.size > 1 ? worker_init : NULL);
	size_t H = o->cfg.hidden;
	t.rows = xmalloc((size_t)B * H * sizeof(float));
	t.rep = xcalloc((size_t)nthreads, sizeof *t.rep);
	t.blk = xcalloc((size_t)nthreads, sizeof *t.blk);
	t.w = xcalloc((size_t)nthreads, sizeof *t.w);
	for (int i = 0; i < nthreads; i++) {
		struct replica *r = &t.rep[i];
		/* the gathered rows are at most one per sample of the global batch */
		r->grad = alloc_big((t.m.n_shared + (size_t)B * H) * sizeof(float), 1);
		model_bind_replica(&r->m, &t.m, t.rows, r->grad, B);
		workspace_init(&r->ws, &t.m, t.bmax * K, t.bmax);
		r->ws.sparse = o->dense_backward ? SPARSE_NEVER : SPARSE_AUTO;
		t.blk[i] = r->grad;
	}
	t.B = B;
	t.skip = !o->no_skip;
	t.order = xmalloc(d.n_train_pairs * sizeof(uint32_t));
	t.idx = xmalloc((size_t)B * sizeof(uint32_t));
	t.urow = xmalloc((size_t)B * sizeof(uint32_t));
	t.slot = xmalloc((size_t)B * sizeof(int));
	t.sorted = xmalloc((size_t)B * sizeof t.sorted[0]);
	t.steps_per_epoch = o->cfg.steps_per_epoch ? o->cfg.steps_per_epoch
	                                          : (d.n_train_pairs + (size_t)B - 1) / (size_t)B;
	t.run_start = t.log_t0 = now_seconds();
	long long run_steps = 0;
	int stopped = 0;

	while (t.st.epoch < (uint64_t)o->epochs && !stopped) {
		make_order(&t, t.st.epoch);
		snprintf(label, sizeof label, "epoch %llu/%d", (unsigned long long)t.st.epoch + 1,
		         o->epochs);
		progress_init(&pg, label, t.steps_per_epoch);
		if (o->quiet)
			pg.enabled = 0;
		while (t.st.step_in_epoch < t.steps_per_epoch) {
			double t0 = now_seconds(), s[4];
			for (int j = 0; j < B; j++)
				t.idx[j] = t.order[(t.st.step_in_epoch * (uint64_t)B + (uint64_t)j) %
				                   d.n_train_pairs];
			train_step(&t, s);
			double loss = s[0] / B;
			if (!isfinite(loss))
				diex(EXIT_WORK, "the loss diverged at step %llu (lower --lr)",
				     (unsigned long long)t.st.step);
			t.st.step++;
			t.st.step_in_epoch++;
			t.st.loss_sum += s[0];
			t.st.correct += s[1];
			t.st.samples += B;
			t.st.active_terms += s[2];
			t.st.terms += (double)B * (K - 1);
			t.st.seconds += now_seconds() - t0;
			t.log_loss += s[0];
			t.log_correct += s[1];
			t.log_samples += B;
			t.log_active += s[2];
			t.log_terms += (double)B * (K - 1);
			if (o->log_steps > 0 && t.st.step % (uint64_t)o->log_steps == 0)
				log_step_row(&t);
			snprintf(extra, sizeof extra, "loss %.4f acc %.3f",
			         t.st.loss_sum / t.st.samples, t.st.correct / t.st.samples);
			progress_update(&pg, t.st.step_in_epoch, extra);
			run_steps++;
			if (o->max_steps > 0 && run_steps >= o->max_steps) {
				stopped = 1;
				break;
			}
			if (o->checkpoint_every > 0 && t.st.step % (uint64_t)o->checkpoint_every == 0 &&
			    t.st.step_in_epoch < t.steps_per_epoch)
				save(&t);
		}
		progress_end(&pg);
		if (!stopped)
			end_epoch(&t);
	}
	if (stopped) {
		/* --max-steps: leave a checkpoint to resume from */
		save(&t);
		if (!o->quiet)
			warnx("stopped after %lld steps (--max-steps)", run_steps);
	}
	if (t.hist.n > 0)
		write_metrics(&t);
	for (int i = 0; i < nthreads; i++) {
		workspace_free(&t.rep[i].ws);
		free_big(t.rep[i].grad);
	}
	pool_free(&t.pool);
	free(t.rep), free(t.blk), free(t.w), free(t.rows);
	free(t.order), free(t.idx), free(t.urow), free(t.slot), free(t.sorted);
	model_free(&t.m);
	history_free(&t.hist);
	data_free(&d);
	return EXIT_OK;
}
