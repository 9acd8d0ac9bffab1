/* train.c — `dcue-train train`: the training loop, metrics and checkpoints.
 *
 * An epoch is one pass over the training interactions in a seeded order
 * (or --steps-per-epoch steps); every step draws its negatives and crops
 * from one generator whose state the checkpoint keeps, and the epoch's
 * order is derived from (seed, epoch), so a run resumed from any
 * checkpoint replays exactly what the uninterrupted run would have done. */
#define _POSIX_C_SOURCE 200809L
#include "atomic.h"
#include "binfile.h"
#include "checkpoint.h"
#include "dcue.h"
#include "msg.h"
#include "progress.h"

#include <cblas.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { STREAM_INIT = 11, STREAM_TRAIN = 12, STREAM_ORDER = 13, STREAM_VALID = 14 };

static void seed_stream(struct rng *r, uint64_t seed, uint64_t stream)
{
	rng_seed(r, seed ^ (stream * 0xD1B54A32D192ED03ull));
}

struct trainer {
	struct options *o;
	struct dataset *d;
	struct model m;
	struct workspace ws;
	struct train_state st;
	struct history hist;
	struct rng rng;
	uint32_t *order;          /* [n_train_pairs] this epoch's order */
	uint32_t *idx;            /* [B] */
	uint64_t steps_per_epoch;
	double run_start;         /* this run's start; st.elapsed is what came before */
	/* since the last --log-steps row */
	double log_loss, log_correct, log_samples, log_active, log_terms, log_t0;
};

/* The checkpoint (with_ckpt) and the metrics TSV are one set — the
 * checkpoint carries the same history — replaced together or not at all. */
static void save_outputs(struct trainer *t, int with_ckpt)
{
	struct train_state st = t->st;
	struct bin_writer w;
	struct atomic_file mf;
	struct atomic_file *set[2];
	const char *name[2];
	size_t n = 0, bad;

	memcpy(st.rng, t->rng.s, sizeof st.rng);
	st.elapsed = t->st.elapsed + (now_seconds() - t->run_start);
	if (with_ckpt && t->o->save != NULL) {
		if (ckpt_write_sealed(&w, t->o->save, &t->m, &st, &t->hist) != 0)
			die(EXIT_WORK, "%s: cannot write", t->o->save);
		set[n] = &w.af;
		name[n++] = t->o->save;
	}
	if (t->o->metrics != NULL && t->hist.n > 0) {
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
}

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

/* Mean loss and accuracy over (at most --valid-samples) validation
 * interactions, sampled the same way every epoch. */
static void validate(struct trainer *t, double *loss, double *acc)
{
	const struct dataset *d = t->d;
	int B = (int)t->m.cfg.batch_size, K = (int)t->m.cfg.nb_negatives + 1;
	size_t n = d->n_valid_pairs;
	struct rng r;
	double ls = 0, cs = 0, ns = 0;

	*loss = *acc = NAN;
	if (n == 0 || d->n_valid < (size_t)K || t->o->valid_samples == 0)
		return;
	if (t->o->valid_samples > 0 && (size_t)t->o->valid_samples < n)
		n = (size_t)t->o->valid_samples;
	seed_stream(&r, t->m.cfg.seed, STREAM_VALID);
	for (size_t i = 0; i < n; i += (size_t)B) {
		int b = (int)(n - i < (size_t)B ? n - i : (size_t)B);
		struct step_stats s;
		for (int j = 0; j < b; j++)   /* spread over all validation pairs */
			t->idx[j] = (uint32_t)((i + (size_t)j) * d->n_valid_pairs / n);
		data_fill_batch(d, &t->ws, &t->m, &r, d->valid_pairs, t->idx, b, d->valid_tracks,
		                d->n_valid);
		model_eval_step(&t->m, &t->ws, b, K, (enum criterion)t->m.cfg.criterion,
		                t->m.cfg.margin, &s);
		ls += s.loss * b;
		cs += s.correct;
		ns += b;
	}
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
 * (weights only) when the architecture does; refuses anything else. */
static void load_checkpoint(struct trainer *t)
{
	struct model old;
	struct train_state st;
	struct history h = { 0 };
	char err[1024], what[256];

	if (ckpt_read(t->o->load, &old, &st, &h, err, sizeof err) != 0)
		diex(EXIT_WORK, "%s", err);
	if (config_diff_arch(&old.cfg, &t->m.cfg, what, sizeof what))
		diex(EXIT_WORK, "%s: a different model (%s)", t->o->load, what);
	memcpy(t->m.param_mem, old.param_mem, old.n_params * sizeof(float));
	if (config_diff_training(&old.cfg, &t->m.cfg, what, sizeof what)) {
		if (!t->o->quiet)
			warnx("%s: fine-tuning its weights (not a resume: %s)", t->o->load, what);
		history_free(&h);
	} else {
		memcpy(t->m.mom_mem, old.mom_mem, old.n_params * sizeof(float));
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

int cmd_train(struct options *o)
{
	struct dataset d;
	struct trainer t;
	struct progress pg;
	char label[64], extra[128];

	memset(&t, 0, sizeof t);
	t.o = o;
	t.d = &d;
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
	model_init(&t.m, &o->cfg);
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
	workspace_init(&t.ws, &t.m, B * K, B);
	t.ws.sparse = o->dense_backward ? SPARSE_NEVER : SPARSE_AUTO;
	t.order = xmalloc(d.n_train_pairs * sizeof(uint32_t));
	t.idx = xmalloc((size_t)B * sizeof(uint32_t));
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
		while (t.st.step_in_epoch < t.steps_per_epoch) {
			double t0 = now_seconds();
			struct step_stats s;
			for (int j = 0; j < B; j++)
				t.idx[j] = t.order[(t.st.step_in_epoch * (uint64_t)B + (uint64_t)j) %
				                   d.n_train_pairs];
			data_fill_batch(&d, &t.ws, &t.m, &t.rng, d.train_pairs, t.idx, B, d.train_tracks,
			                d.n_train);
			model_zero_grad(&t.m);
			model_train_step(&t.m, &t.ws, B, K, (enum criterion)o->cfg.criterion,
			                 o->cfg.margin, !o->no_skip, &s);
			model_sgd_step(&t.m, o->cfg.lr, o->cfg.momentum);
			if (!isfinite(s.loss))
				diex(EXIT_WORK, "the loss diverged at step %llu (lower --lr)",
				     (unsigned long long)t.st.step);
			t.st.step++;
			t.st.step_in_epoch++;
			t.st.loss_sum += s.loss * B;
			t.st.correct += s.correct;
			t.st.samples += B;
			t.st.active_terms += s.active_terms;
			t.st.terms += (double)B * (K - 1);
			t.st.seconds += now_seconds() - t0;
			t.log_loss += s.loss * B;
			t.log_correct += s.correct;
			t.log_samples += B;
			t.log_active += s.active_terms;
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
	free(t.order);
	free(t.idx);
	workspace_free(&t.ws);
	model_free(&t.m);
	history_free(&t.hist);
	data_free(&d);
	return EXIT_OK;
}
