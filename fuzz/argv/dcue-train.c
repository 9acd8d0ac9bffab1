/* fuzz/argv/dcue-train.c — fuzz_argv's dcue-train: parse_command() of
 * tools/dcue-train/main.c (compiled in, main renamed), and for `score`
 * score_parse_options() (score.c) as main() hands over; see argv.h. */
#define ARGV_TOOL dcue_train
#define ARGV_SOURCE "../../tools/dcue-train/main.c"
#include "argv.h"
#include "score_impl.h"

static void check_score(int argc, char **argv, const char **mpd)
{
	struct score_options so = { .mpd = mpd };

	score_parse_options(&so, argc, argv);
	if (so.challenge == NULL || so.truth == NULL || so.mpd != mpd ||
	    so.nmpd > (size_t)argc || (so.submission == NULL && so.popularity == NULL))
		abort();
	size_t n = strlen(so.model);
	if (n < 1 || n > 64 || strchr(so.model, ' ') != NULL ||
	    (so.submission != NULL && so.popularity != NULL && strcmp(so.model, "popularity") == 0))
		abort();
}

void argv_dcue_train(int argc, char **argv, void *scratch)
{
	struct options o;
	int cmd = parse_command(&o, argc, argv);

	if (cmd == CMD_SCORE) {
		check_score(argc - 1, argv + 1, scratch);
		return;
	}
	if (cmd < 0 || cmd > 5 || o.mpd == NULL || !(o.cfg.mel_max > o.cfg.mel_min))
		abort();
	if (o.cfg.train_pct == 0 || o.cfg.train_pct + o.cfg.valid_pct > 100 ||
	    o.cfg.heldout_pct > 99 || o.cfg.batch_size < 1 || o.cfg.batch_size > 4096 ||
	    o.cfg.nb_negatives < 1 || o.cfg.mel_length < 128 || o.cfg.embedding < 1 ||
	    o.cfg.mel_bins < 1 || o.cfg.channels < 1 || o.cfg.hidden < 1 ||
	    o.cfg.criterion > 1 || !(o.cfg.mel_std > 0) || o.k < 1 || o.eval_batch < 1 ||
	    o.foldin < 0 || o.foldin > 2)
		abort();
	/* --mels, unless embeddings (recommend, challenge) or audio (recommend) stand in
	 * or the command is similar; --load for all but train and similar by track */
	if (o.mels == NULL && !(cmd == 3 && (o.embeddings != NULL || o.audio != NULL)) &&
	    cmd != 4 && !(cmd == 5 && o.embeddings != NULL))
		abort();
	if (cmd != 0 && o.load == NULL && !(cmd == 4 && o.audio == NULL))
		abort();
	/* recommend (3), similar (4): exactly one query; challenge (5): its four */
	if (cmd == 3 && (o.playlist >= 0) + (o.seeds != NULL || o.title != NULL) +
	                (o.audio != NULL) != 1)
		abort();
	if (cmd == 4 && ((o.track != NULL) + (o.queries != NULL) + (o.audio != NULL) != 1 ||
	                 o.embeddings == NULL))
		abort();
	if (cmd == 5 && (o.challenge == NULL || o.team == NULL || o.email == NULL ||
	                 o.out == NULL || o.team[0] == '\0' || o.email[0] == '\0' ||
	                 strpbrk(o.team, ",\n\r") != NULL || strpbrk(o.email, ",\n\r") != NULL))
		abort();
	if ((o.foldin == 2 && cmd != 5) || (o.title != NULL && (cmd != 3 || o.titles == NULL)) ||
	    (cmd == 2 && o.tracks_out == NULL && o.playlists_out == NULL))
		abort();
}
