/* dcue.h — what main.c hands the subcommands: the parsed options. */
#ifndef DCUE_TRAIN_DCUE_H
#define DCUE_TRAIN_DCUE_H

#include <stdint.h>

#include "data.h"
#include "model.h"

struct options {
	const char *mpd, *mels, *stats, *save, *load, *metrics;
	const char *report, *per_playlist;        /* eval */
	const char *tracks_out, *playlists_out;   /* embed */
	const char *embeddings;                   /* recommend */
	struct dcue_config cfg;                   /* model and training settings */
	int mel_mean_set, mel_std_set;            /* else --stats or measured */
	int epochs, threads, log_steps, skip_bad, quiet, no_skip, dense_backward;
	long long checkpoint_every, max_steps, valid_samples;
	int eval_batch;
	int mel_check_headers;                    /* --mel-check headers: no payload pass */
	long long playlist;
	int k;
	int argc;                                 /* the command line, compared */
	char **argv;                              /* across the ranks of an MPI run */
	/* recommend --seeds/--title/--audio, similar, challenge */
	const char *seeds, *title, *audio, *track, *queries, *titles;
	const char *challenge, *team, *email, *out;
	int foldin, foldin_steps;                 /* enum foldin_method */
	float foldin_lr;
};

/* Applies --stats, fills mel_mean/mel_std from the training mels when
 * neither was given, and loads the data. */
void load_data(struct dataset *d, struct options *o);
struct data_options data_options_from(const struct options *o);
/* --stats: mel_min, mel_max and (unless given) mel_mean, mel_std from
 * o->stats, each finite and in its option's range; dies naming the line. */
void read_stats(struct options *o);

int cmd_train(struct options *o);
int cmd_eval(struct options *o);
int cmd_embed(struct options *o);
int cmd_recommend(struct options *o);
int cmd_similar(struct options *o);
int cmd_challenge(struct options *o);

/* Loads a checkpoint for eval/embed/recommend, dying with a message. */
void load_model(struct model *m, const char *path);
/* The checkpoint's data settings into o (seed, split, limit, mel scaling),
 * then the data.  strict (eval): it must be what the model was trained on,
 * or the split would not be; otherwise (embed, recommend) new tracks are
 * fine, only fewer playlists than the model's are refused. */
void load_data_for(struct dataset *d, struct options *o, const struct model *m, int strict);

/* Track embeddings out [N][E] (rows of tracks without a .mel: 0): the
 * mean of the vectors of consecutive --mel-length segments. */
void embed_tracks(const struct model *m, const struct dataset *d, int batch, float *out,
                  int quiet);
/* Playlist vectors out [n][E] for playlist rows p0..p0+n-1, made batch at
 * a time (batches start at p0); under mpirun each rank makes a share of
 * the batches and every rank ends with the whole block.
 * ws: workspace_init(ws, m, 1, batch). */
struct workspace;
void embed_playlists(const struct model *m, struct workspace *ws, size_t p0, size_t n, int batch,
                     float *out);
/* The embedding of every track with a .mel, keyed by its row in tracks.tsv
 * (e: struct embeddings of embfile.h). */
struct embeddings;
void embed_track_table(const struct model *m, const struct dataset *d, int batch, int quiet,
                       struct embeddings *e);

#endif
