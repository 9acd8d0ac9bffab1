/* score_impl.h — what the files of dcue-train score share (score.c: the
 * command, truth and popularity; score_data.c: the catalogue of tracks and
 * artists; score_metrics.c: the metrics; score_submission.c: reading a
 * submission).  Not used outside score*.c. */
#ifndef DCUE_TRAIN_SCORE_IMPL_H
#define DCUE_TRAIN_SCORE_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "challenge.h"
#include "score.h"

/* Strings to dense ids (open addressing, load <= 1/2). */
struct strtab {
	char **key;            /* [n] NUL-terminated copies */
	size_t n, cap;
	uint32_t *slot;        /* [nslot] id + 1, 0 empty */
	size_t nslot;
};

/* The id of s[0..n), added when add; -1 when absent. */
int64_t strtab_get(struct strtab *t, const char *s, size_t n, int add);
void strtab_free(struct strtab *t);

/* Every track known, with its artist (-1 unknown). */
struct catalogue {
	struct strtab tracks, artists;
	int64_t *artist_of;    /* [tracks.n] */
	size_t cap;
};

/* Track id (22 chars) → its id, added if new; sets its artist if unknown
 * and artist_uri is non-empty. */
int64_t cat_track(struct catalogue *c, const char *id, const char *artist_uri);
void cat_free(struct catalogue *c);

/* 1 when x (>= 0) is in g[ng], sorted ascending. */
int score_in_sorted(const int64_t *g, size_t ng, int64_t x);
int score_cmp_i64(const void *a, const void *b);

struct target {            /* one challenge playlist */
	int64_t *seeds;        /* [n_seeds] track ids, sorted */
	size_t n_seeds;
	int64_t *g;            /* [ng] held-out track ids, sorted, unique */
	size_t ng;
	int64_t *ga;           /* [nga] their artists, sorted, unique */
	size_t nga;
};

struct scorer {
	struct challenge ch;
	struct mpdjson truth;
	struct catalogue cat;
	struct target *tg;     /* [ch.n] */
	int quiet;
};

enum { M_RPREC, M_NDCG, M_CLICKS, N_METRICS };

struct run {               /* one model's scores */
	const char *model;
	double (*v)[2][N_METRICS];   /* [ch.n][level][metric] */
	size_t unknown_artists, recommended;
};

/* dcue-train score's command line (argv[0] = "score"). */
struct score_options {
	const char *challenge, *truth;     /* required */
	const char *model;                 /* 1-64 printable characters, no space */
	const char *tsv, *popularity;      /* or NULL */
	const char **mpd;                  /* [nmpd] --mpd PATHs: room for argc + 1, the caller's */
	size_t nmpd;
	int quiet;
	const char *submission;            /* or NULL (then popularity is set) */
};
/* Fills o (o->mpd allocated by the caller), every value and combination
 * checked, or exits 2 (0 for --help); touches no file. */
void score_parse_options(struct score_options *o, int argc, char **argv);

/* Scores playlist i's ranked tracks rec[n] (catalogue ids, -1 unknown). */
void score_playlist(const struct scorer *s, struct run *r, size_t i, const int64_t *rec,
                    size_t n);
/* Reads and checks a submission, scoring every line into r; -1 with a
 * message naming the file, line and pid in err on the first fault. */
int read_submission(struct scorer *s, struct run *r, const char *path, char *err,
                    size_t errcap);

/* Fills s->tg from s->ch and s->truth (read from cpath and tpath); dies with
 * a message naming both files when they do not describe the same playlists. */
void build_targets(struct scorer *s, const char *cpath, const char *tpath);

/* The pids of mpd-parse's challenge.tsv at path (formats.md), in file
 * order, in a malloc'ed *pids[*n]: 0 (none when the file does not exist),
 * or -1 with a message naming the file and line in err. */
#define CHALLENGE_TSV_MAX_LINE (1 << 20)
int score_challenge_pids(const char *path, uint32_t **pids, size_t *n, char *err,
                         size_t errcap);

#endif
