/* setup.c — what the subcommands share: the mel scaling (--stats, or
 * measured on the training tracks), data loading, checkpoint loading. */
#define _POSIX_C_SOURCE 200809L
#include "binfile.h"
#include "checkpoint.h"
#include "dcue.h"
#include "msg.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* mel-stats output: `key value` lines; unknown keys are ignored. */
void read_stats(struct options *o)
{
	FILE *fp = fopen(o->stats, "r");
	char line[512];
	int lineno = 0, got = 0;

	if (fp == NULL)
		die(EXIT_WORK, "%s", o->stats);
	while (fgets(line, sizeof line, fp) != NULL) {
		char key[64], *end;
		lineno++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (sscanf(line, "%63s", key) != 1)
			continue;
		const char *val = line + strlen(key);
		while (*val == ' ' || *val == '\t')
			val++;
		float *dst = strcmp(key, "mel_min") == 0 ? &o->cfg.mel_min
		           : strcmp(key, "mel_max") == 0 ? &o->cfg.mel_max
		           : strcmp(key, "mel_mean") == 0 && !o->mel_mean_set ? &o->cfg.mel_mean
		           : strcmp(key, "mel_std") == 0 && !o->mel_std_set ? &o->cfg.mel_std : NULL;
		if (dst == NULL)
			continue;
		errno = 0;
		double v = strtod(val, &end);
		while (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r')
			end++;
		if (errno != 0 || end == val || *end != '\0' || !isfinite(v)) {
			fclose(fp);
			diex(EXIT_WORK, "%s:%d: %s: not a number", o->stats, lineno, key);
		}
		/* the ranges of the options these values stand for */
		if (!(fabs(v) <= 1e6) || (dst == &o->cfg.mel_std && !(v >= 1e-9))) {
			fclose(fp);
			diex(EXIT_WORK, "%s:%d: %s: %g is out of range (expected %s)", o->stats, lineno,
			     key, v, dst == &o->cfg.mel_std ? "1e-9 to 1e6" : "-1e6 to 1e6");
		}
		*dst = (float)v;
		got++;
		if (strcmp(key, "mel_mean") == 0)
			o->mel_mean_set = 1;
		if (strcmp(key, "mel_std") == 0)
			o->mel_std_set = 1;
	}
	if (ferror(fp)) {
		int e = errno;
		fclose(fp);
		errno = e;
		die(EXIT_WORK, "%s", o->stats);
	}
	fclose(fp);
	if (got == 0)
		diex(EXIT_WORK, "%s: no mel_min, mel_max, mel_mean or mel_std line", o->stats);
}

struct data_options data_options_from(const struct options *o)
{
	struct data_options d;

	memset(&d, 0, sizeof d);
	d.mpd_dir = o->mpd;
	d.mels_dir = o->mels;
	d.mel_bins = (int)o->cfg.mel_bins;
	d.skip_bad = o->skip_bad;
	d.check_payload = !o->mel_check_headers;
	d.limit = o->cfg.limit;
	d.train_pct = o->cfg.train_pct;
	d.valid_pct = o->cfg.valid_pct;
	d.heldout_pct = o->cfg.heldout_pct;
	d.seed = o->cfg.seed;
	d.mel_min = o->cfg.mel_min;
	d.mel_max = o->cfg.mel_max;
	d.mel_mean = o->mel_mean_set ? o->cfg.mel_mean : 0.0f;
	d.mel_std = o->mel_std_set ? o->cfg.mel_std : 1.0f;
	d.quiet = o->quiet;
	return d;
}

/* Mean and std of the scaled values over the training tracks (exact for
 * u8 files through a histogram of each track's bytes).  One streaming pass
 * over their files through a 64 KB buffer: constant memory. */
static void measure(const struct dataset *d, double *mean, double *std)
{
	double s = 0, ss = 0, n = 0;
	float buf[1 << 14];                         /* 64 KB: f32 or u8 rows */
	uint64_t row = (uint64_t)d->M;

	for (size_t i = 0; i < d->n_train; i++) {
		uint32_t t = d->train_tracks[i];
		size_t cnt = (size_t)d->frames[t] * d->M;
		uint64_t per = sizeof buf / (row * bin_dtype_size(d->dtype[t]));
		int fd = data_open_mel(d, t);
		if (d->dtype[t] == BIN_U8) {
			uint64_t hist[256] = { 0 };
			const uint8_t *q = (const uint8_t *)buf;
			for (uint64_t f = 0; f < d->frames[t]; f += per) {
				uint64_t k = d->frames[t] - f < per ? d->frames[t] - f : per;
				data_read_frames(d, t, fd, f, k, buf);
				for (size_t j = 0; j < k * row; j++)
					hist[q[j]]++;
			}
			for (int v = 0; v < 256; v++) {
				double x = d->a[t] * v + d->b[t];
				s += x * (double)hist[v];
				ss += x * x * (double)hist[v];
			}
		} else {
			for (uint64_t f = 0; f < d->frames[t]; f += per) {
				uint64_t k = d->frames[t] - f < per ? d->frames[t] - f : per;
				data_read_frames(d, t, fd, f, k, buf);
				for (size_t j = 0; j < k * row; j++) {
					if (!isfinite(buf[j]))       /* --mel-check headers */
						diex(EXIT_WORK, "%s/%s.mel: frame %llu: a value is not "
						     "finite", d->mels_dir, d->tr.id[t],
						     (unsigned long long)(f + j / row));
					double x = d->a[t] * buf[j] + d->b[t];
					s += x;
					ss += x * x;
				}
			}
		}
		if (close(fd) != 0)
			die(EXIT_WORK, "close %s/%s.mel", d->mels_dir, d->tr.id[t]);
		n += (double)cnt;
	}
	*mean = n > 0 ? s / n : 0;
	*std = n > 0 ? sqrt(fmax(ss / n - *mean * *mean, 0)) : 1;
	if (!(*std > 1e-6))
		*std = 1;
}

void load_data(struct dataset *d, struct options *o)
{
	if (o->stats != NULL)
		read_stats(o);
	struct data_options dopt = data_options_from(o);
	data_load(d, &dopt);
	if (!o->mel_mean_set || !o->mel_std_set) {
		double mean, std;
		float m0 = dopt.mel_mean, s0 = dopt.mel_std;
		measure(d, &mean, &std);
		mean = mean * s0 + m0;   /* of the scaled values, before standardising */
		std = std * s0;
		/* never train on (and save) a NaN scaling */
		if (!isfinite((float)mean) || !isfinite((float)std) || !((float)std > 0))
			diex(EXIT_WORK, "%s: the mel values' mean %g and std %g over the training "
			     "tracks are not usable (expected finite, std > 0); check --mel-min, "
			     "--mel-max", o->mels, mean, std);
		if (!o->mel_mean_set)
			o->cfg.mel_mean = (float)mean;
		if (!o->mel_std_set)
			o->cfg.mel_std = (float)std;
		/* rescale what was loaded with mean 0 / std 1 (or the given one) */
		for (size_t t = 0; t < d->n_tracks; t++) {
			/* x0 = (v - m0)/s0 = a v + b  →  x = (v - m)/s = (a s0 v + b s0 + m0 - m)/s */
			d->b[t] = (d->b[t] * s0 + m0 - o->cfg.mel_mean) / o->cfg.mel_std;
			d->a[t] = d->a[t] * s0 / o->cfg.mel_std;
		}
		o->mel_mean_set = o->mel_std_set = 1;
		if (!o->quiet)
			warnx("mel scaling measured on the training tracks: --mel-mean %g --mel-std %g",
			      (double)o->cfg.mel_mean, (double)o->cfg.mel_std);
	}
}

void load_model(struct model *m, const char *path)
{
	char err[1024];

	if (path == NULL)
		diex(EXIT_USAGE, "--load CKPT is required");
	if (ckpt_read(path, m, NULL, NULL, err, sizeof err) != 0)
		diex(EXIT_WORK, "%s", err);
}

void load_data_for(struct dataset *d, struct options *o, const struct model *m, int strict)
{
	const struct dcue_config *c = &m->cfg;

	o->cfg.mel_bins = c->mel_bins;
	o->cfg.limit = c->limit;
	o->cfg.train_pct = c->train_pct;
	o->cfg.valid_pct = c->valid_pct;
	o->cfg.heldout_pct = c->heldout_pct;
	o->cfg.seed = c->seed;
	o->cfg.mel_min = c->mel_min;
	o->cfg.mel_max = c->mel_max;
	o->cfg.mel_mean = c->mel_mean;
	o->cfg.mel_std = c->mel_std;
	o->mel_mean_set = o->mel_std_set = 1;
	o->stats = NULL;
	load_data(d, o);
	if (d->pl.n_playlists < c->n_playlists)
		diex(EXIT_WORK, "%s: the model has %u playlists, %s/playlists.bin %zu", o->load,
		     c->n_playlists, o->mpd, (size_t)d->pl.n_playlists);
	if (d->pl.n_playlists != c->n_playlists || d->n_tracks != c->n_tracks ||
	    d->n_mel != c->n_mel_tracks || d->split_crc != c->split_crc) {
		if (strict)
			diex(EXIT_WORK, "%s: the data differs from the training run's (%zu playlists, "
			     "%zu tracks, %zu with a .mel now; %u, %u, %u then)", o->load,
			     (size_t)d->pl.n_playlists, d->n_tracks, d->n_mel, c->n_playlists,
			     c->n_tracks, c->n_mel_tracks);
		if (!o->quiet)
			warnx("%s: the data changed since training (%zu tracks with a .mel now, %u "
			      "then); embedding what is there", o->load, d->n_mel, c->n_mel_tracks);
	}
}
