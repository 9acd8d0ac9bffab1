/* dcue-train — train, evaluate and use the DCUE model.
 *
 * main() parses the options shared by every subcommand, checks their
 * combinations and hands over to train.c, eval.c, embed.c, recommend.c,
 * similar.c or challenge.c.  See docs/dcue-train.md. */
#define _POSIX_C_SOURCE 200809L
#include "atomic.h"
#include "dcue.h"
#include "dist.h"
#include "gemm.h"
#include "msg.h"
#include "score.h"
#include "opts.h"

#include <cblas.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"usage: dcue-train train --mpd DIR --mels DIR [--stats FILE] [--save CKPT] [--load CKPT]\n"
	"                        [--metrics FILE.tsv] [--epochs N] [--seed S] [options]\n"
	"       dcue-train eval --load CKPT --mpd DIR --mels DIR [--report FILE.tsv]\n"
	"                       [--per-playlist FILE.tsv]\n"
	"       dcue-train embed --load CKPT --mpd DIR --mels DIR [--tracks OUT.emb]\n"
	"                        [--playlists OUT.emb]\n"
	"       dcue-train recommend --load CKPT --mpd DIR (--mels DIR | --embeddings TRACKS.emb)\n"
	"                            (--playlist PID | [--seeds FILE] [--title STR --titles SLICES])\n"
	"                            [-k N]\n"
	"       dcue-train recommend --load CKPT --mpd DIR --audio FILE.mel [-k N]\n"
	"       dcue-train similar --mpd DIR --embeddings TRACKS.emb\n"
	"                          (--track ID | --queries FILE | --audio FILE.mel --load CKPT) [-k N]\n"
	"       dcue-train challenge --load CKPT --mpd DIR (--mels DIR | --embeddings TRACKS.emb)\n"
	"                            --challenge FILE --team NAME --email ADDR -o SUBMISSION.csv.gz\n"
	"                            [--titles SLICES]\n"
	"       dcue-train score --challenge FILE --truth FILE [--model NAME] [--tsv FILE]\n"
	"                        [--mpd PATH]... [--popularity MPD_DIR] [SUBMISSION]\n"
	"                        (dcue-train score --help: its options)\n"
	"       mpirun -np N dcue-train train|eval|embed ...   (ranks on one host or many)\n"
	"\n"
	"Data:\n"
	"  --mpd DIR             mpd-parse output (tracks.tsv, playlists.bin)\n"
	"  --mels DIR            .mel files named <track_id>.mel (wav2mel)\n"
	"  --stats FILE          mel-stats output: mel_min, mel_max, mel_mean, mel_std\n"
	"  --mel-min X, --mel-max X   value range scaled to [0, 1] (-80, 0)\n"
	"  --mel-mean X, --mel-std X  standardisation after scaling (default: --stats,\n"
	"                        else measured on the training tracks)\n"
	"  --limit N             use the first N playlists only (0 = all)\n"
	"  --split TR,VA,TE      track split in percent (70,10,20)\n"
	"  --heldout PCT         training interactions held out for warm eval (10)\n"
	"  --skip-bad            warn about and drop bad .mel files instead of failing\n"
	"Model:\n"
	"  --mel-bins M          mel bands (128)\n"
	"  --mel-length T        frames per crop, >= 128 (130, about 3 s)\n"
	"  --embedding-size E    embedding width (256)\n"
	"  --channels C          first convolution's channels (128)\n"
	"  --hidden H            playlist branch width (300)\n"
	"Training:\n"
	"  --epochs N            total epochs (3)\n"
	"  --batch-size B        samples per step (16)\n"
	"  --nb-negatives N      negatives per sample (20)\n"
	"  --criterion C         multi_margin or cross_entropy (multi_margin)\n"
	"  --margin X            hinge margin (0.2, the paper's)\n"
	"  --lr X, -lr X, --learning-rate X   SGD learning rate (0.1)\n"
	"  --momentum X          Nesterov momentum (0.9)\n"
	"  --seed S              seed of every random choice (1)\n"
	"  --steps-per-epoch N   steps per epoch (0 = one pass over the interactions)\n"
	"  --valid-samples N     validation samples per epoch (500; 0 = none, -1 = all)\n"
	"  --save CKPT           checkpoint after every epoch (atomic)\n"
	"  --load CKPT           resume (same settings) or fine-tune (same architecture);\n"
	"                        --load X --save X with no X yet starts afresh\n"
	"  --checkpoint-every N  also checkpoint every N steps\n"
	"  --metrics FILE.tsv    per-epoch metrics (rewritten after every epoch)\n"
	"  --log-steps N         also a metrics row every N steps\n"
	"  --max-steps N         stop after N steps in this run (checkpointed)\n"
	"  --no-skip             run the backward of zero-gradient tracks too\n"
	"  --dense-backward      convolution gradients by dense GEMMs only\n"
	"  --threads N           train: N replicas, one per core, each with single-threaded\n"
	"                        GEMMs (default: one, with OpenBLAS's own threads; one per\n"
	"                        rank under mpirun); eval, embed: N threads, each embedding\n"
	"                        a share of every batch of crops with single-threaded GEMMs\n"
	"  --quiet               no progress or summaries on stderr\n"
	"Evaluation and use:\n"
	"  --report FILE.tsv     eval: the report as TSV\n"
	"  --per-playlist FILE.tsv  eval: per-playlist AUC\n"
	"  --tracks FILE         embed: track embeddings\n"
	"  --playlists FILE      embed: playlist embeddings\n"
	"  --embeddings FILE     recommend: precomputed track embeddings\n"
	"  --playlist PID        recommend: the playlist's pid\n"
	"  --seeds FILE          recommend: a new playlist's tracks (ids, one a line; - stdin)\n"
	"  --foldin METHOD       recommend, challenge: sgd (the default) or mean (see the manual);\n"
	"                        challenge also trained (the model's row of the playlist)\n"
	"  --foldin-steps N      sgd fold-in steps (100)\n"
	"  --foldin-lr X         sgd fold-in learning rate (1.0)\n"
	"  --title STR           recommend: the new playlist's title, used when no seed\n"
	"                        has a vector (the training playlists of the same title)\n"
	"  --titles SLICES       MPD slices (folder or file) naming the training playlists\n"
	"  --audio FILE.mel      recommend: the playlists a new track fits;\n"
	"                        similar: the tracks nearest to it\n"
	"  --track ID            similar: the tracks nearest to this one\n"
	"  --queries FILE        similar: the same for each track id of FILE\n"
	"  -k N                  recommend, similar: how many (20)\n"
	"  --challenge FILE      challenge: the challenge set (challenge_set.json)\n"
	"  --team NAME, --email ADDR  challenge: the submission's team_info line\n"
	"  -o FILE               challenge: the submission (gzipped CSV, atomic)\n"
	"  --eval-batch N        tracks per forward pass in eval/embed (64)\n"
	"  -h, --help            this help\n"
	"      --version         version\n";

enum {
	O_MPD = 0x2000, O_MELS, O_STATS, O_SAVE, O_LOAD, O_METRICS, O_EPOCHS, O_BATCH, O_CRIT,
	O_MARGIN, O_LR, O_MOMENTUM, O_NEG, O_MELLEN, O_EMB, O_MELBINS, O_MEAN, O_STD, O_MIN, O_MAX,
	O_LIMIT, O_SEED, O_THREADS, O_CHANNELS, O_HIDDEN, O_SPLIT, O_HELDOUT, O_SPE, O_VALID,
	O_LOGSTEPS, O_CKEVERY, O_MAXSTEPS, O_NOSKIP, O_SKIPBAD, O_QUIET, O_REPORT, O_PERPL,
	O_TRACKS, O_PLAYLISTS, O_EMBEDDINGS, O_PLAYLIST, O_EVALBATCH, O_DENSE,
	O_SEEDS, O_AUDIO, O_TRACK, O_QUERIES, O_FOLDIN, O_FOLDIN_STEPS, O_FOLDIN_LR,
	O_TITLE, O_TITLES, O_CHALLENGE, O_TEAM, O_EMAIL
};
enum { O_MELCHECK = 0x2400 };

static const struct option longopts[] = {
	{ "mpd", required_argument, NULL, O_MPD },
	{ "mels", required_argument, NULL, O_MELS },
	{ "stats", required_argument, NULL, O_STATS },
	{ "save", required_argument, NULL, O_SAVE },
	{ "load", required_argument, NULL, O_LOAD },
	{ "metrics", required_argument, NULL, O_METRICS },
	{ "epochs", required_argument, NULL, O_EPOCHS },
	{ "batch-size", required_argument, NULL, O_BATCH },
	{ "criterion", required_argument, NULL, O_CRIT },
	{ "margin", required_argument, NULL, O_MARGIN },
	{ "lr", required_argument, NULL, O_LR },
	{ "learning-rate", required_argument, NULL, O_LR },
	{ "momentum", required_argument, NULL, O_MOMENTUM },
	{ "nb-negatives", required_argument, NULL, O_NEG },
	{ "mel-length", required_argument, NULL, O_MELLEN },
	{ "embedding-size", required_argument, NULL, O_EMB },
	{ "mel-bins", required_argument, NULL, O_MELBINS },
	{ "mel-mean", required_argument, NULL, O_MEAN },
	{ "mel-std", required_argument, NULL, O_STD },
	{ "mel-min", required_argument, NULL, O_MIN },
	{ "mel-max", required_argument, NULL, O_MAX },
	{ "limit", required_argument, NULL, O_LIMIT },
	{ "seed", required_argument, NULL, O_SEED },
	{ "threads", required_argument, NULL, O_THREADS },
	{ "channels", required_argument, NULL, O_CHANNELS },
	{ "hidden", required_argument, NULL, O_HIDDEN },
	{ "split", required_argument, NULL, O_SPLIT },
	{ "heldout", required_argument, NULL, O_HELDOUT },
	{ "steps-per-epoch", required_argument, NULL, O_SPE },
	{ "valid-samples", required_argument, NULL, O_VALID },
	{ "log-steps", required_argument, NULL, O_LOGSTEPS },
	{ "checkpoint-every", required_argument, NULL, O_CKEVERY },
	{ "max-steps", required_argument, NULL, O_MAXSTEPS },
	{ "no-skip", no_argument, NULL, O_NOSKIP },
	{ "dense-backward", no_argument, NULL, O_DENSE },
	{ "skip-bad", no_argument, NULL, O_SKIPBAD },
	{ "mel-check", required_argument, NULL, O_MELCHECK },
	{ "quiet", no_argument, NULL, O_QUIET },
	{ "report", required_argument, NULL, O_REPORT },
	{ "per-playlist", required_argument, NULL, O_PERPL },
	{ "tracks", required_argument, NULL, O_TRACKS },
	{ "playlists", required_argument, NULL, O_PLAYLISTS },
	{ "embeddings", required_argument, NULL, O_EMBEDDINGS },
	{ "playlist", required_argument, NULL, O_PLAYLIST },
	{ "eval-batch", required_argument, NULL, O_EVALBATCH },
	{ "seeds", required_argument, NULL, O_SEEDS },
	{ "audio", required_argument, NULL, O_AUDIO },
	{ "track", required_argument, NULL, O_TRACK },
	{ "queries", required_argument, NULL, O_QUERIES },
	{ "foldin", required_argument, NULL, O_FOLDIN },
	{ "foldin-steps", required_argument, NULL, O_FOLDIN_STEPS },
	{ "foldin-lr", required_argument, NULL, O_FOLDIN_LR },
	{ "title", required_argument, NULL, O_TITLE },
	{ "titles", required_argument, NULL, O_TITLES },
	{ "challenge", required_argument, NULL, O_CHALLENGE },
	{ "team", required_argument, NULL, O_TEAM },
	{ "email", required_argument, NULL, O_EMAIL },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

static void defaults(struct options *o)
{
	memset(o, 0, sizeof *o);
	o->cfg.mel_bins = 128;
	o->cfg.mel_length = 130;
	o->cfg.embedding = 256;
	o->cfg.channels = 128;
	o->cfg.hidden = 300;
	o->cfg.criterion = CRIT_MULTI_MARGIN;
	o->cfg.nb_negatives = 20;
	o->cfg.batch_size = 16;
	o->cfg.train_pct = 70;
	o->cfg.valid_pct = 10;
	o->cfg.heldout_pct = 10;
	o->cfg.margin = 0.2f;
	o->cfg.lr = 0.1f;
	o->cfg.momentum = 0.9f;
	o->cfg.mel_min = -80.0f;
	o->cfg.mel_max = 0.0f;
	o->cfg.mel_std = 1.0f;
	o->cfg.seed = 1;
	o->epochs = 3;
	o->valid_samples = 500;
	o->eval_batch = 64;
	o->k = 20;
	o->playlist = -1;
	o->foldin = 1;   /* FOLDIN_SGD: see docs/dcue-train.md for why */
}

static void parse_split(struct options *o, const char *s)
{
	unsigned a, b, c;
	char tail;

	if (sscanf(s, "%u,%u,%u%c", &a, &b, &c, &tail) != 3 || a + b + c != 100 || a == 0)
		opt_usage_error(usage, "--split: '%s' is not TRAIN,VALID,TEST percentages summing "
		                "to 100", s);
	o->cfg.train_pct = a;
	o->cfg.valid_pct = b;
}

static void parse(struct options *o, int argc, char **argv)
{
	static const char *const crits[] = { "multi_margin", "cross_entropy", NULL };
	static const char *const checks[] = { "full", "headers", NULL };
	static const char *const foldins[] = { "mean", "sgd", "trained", NULL };   /* enum foldin_method */
	int c;

	/* the reference implementation spelt the learning rate "-lr" */
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "-lr") == 0)
			argv[i] = "--lr";
	while ((c = getopt_long(argc, argv, "hk:o:", longopts, NULL)) != -1) {
		switch (c) {
		case O_MPD: o->mpd = optarg; break;
		case O_MELS: o->mels = optarg; break;
		case O_STATS: o->stats = optarg; break;
		case O_SAVE: o->save = optarg; break;
		case O_LOAD: o->load = optarg; break;
		case O_METRICS: o->metrics = optarg; break;
		case O_EPOCHS: o->epochs = (int)opt_ll("--epochs", optarg, 0, 1000000); break;
		case O_BATCH: o->cfg.batch_size = (uint32_t)opt_ll("--batch-size", optarg, 1, 4096); break;
		case O_CRIT: o->cfg.criterion = (uint32_t)opt_choice("--criterion", optarg, crits); break;
		case O_MARGIN: o->cfg.margin = (float)opt_double("--margin", optarg, 0, 2); break;
		case O_LR: o->cfg.lr = (float)opt_double("--lr", optarg, 0, 1e3); break;
		case O_MOMENTUM: o->cfg.momentum = (float)opt_double("--momentum", optarg, 0, 0.999); break;
		case O_NEG: o->cfg.nb_negatives = (uint32_t)opt_ll("--nb-negatives", optarg, 1, 10000); break;
		case O_MELLEN: o->cfg.mel_length = (uint32_t)opt_ll("--mel-length", optarg, 128, 100000); break;
		case O_EMB: o->cfg.embedding = (uint32_t)opt_ll("--embedding-size", optarg, 1, 65536); break;
		case O_MELBINS: o->cfg.mel_bins = (uint32_t)opt_ll("--mel-bins", optarg, 1, 4096); break;
		case O_MEAN: o->cfg.mel_mean = (float)opt_double("--mel-mean", optarg, -1e6, 1e6); o->mel_mean_set = 1; break;
		case O_STD: o->cfg.mel_std = (float)opt_double("--mel-std", optarg, 1e-9, 1e6); o->mel_std_set = 1; break;
		case O_MIN: o->cfg.mel_min = (float)opt_double("--mel-min", optarg, -1e6, 1e6); break;
		case O_MAX: o->cfg.mel_max = (float)opt_double("--mel-max", optarg, -1e6, 1e6); break;
		case O_LIMIT: o->cfg.limit = (uint32_t)opt_ll("--limit", optarg, 0, UINT32_MAX); break;
		case O_SEED: o->cfg.seed = (uint64_t)opt_ll("--seed", optarg, 0, INT64_MAX); break;
		case O_THREADS: o->threads = (int)opt_ll("--threads", optarg, 1, 1024); break;
		case O_CHANNELS: o->cfg.channels = (uint32_t)opt_ll("--channels", optarg, 1, 65536); break;
		case O_HIDDEN: o->cfg.hidden = (uint32_t)opt_ll("--hidden", optarg, 1, 65536); break;
		case O_SPLIT: parse_split(o, optarg); break;
		case O_HELDOUT: o->cfg.heldout_pct = (uint32_t)opt_ll("--heldout", optarg, 0, 99); break;
		case O_SPE: o->cfg.steps_per_epoch = (uint32_t)opt_ll("--steps-per-epoch", optarg, 0, UINT32_MAX); break;
		case O_VALID: o->valid_samples = opt_ll("--valid-samples", optarg, -1, INT64_MAX); break;
		case O_LOGSTEPS: o->log_steps = (int)opt_ll("--log-steps", optarg, 0, 1 << 30); break;
		case O_CKEVERY: o->checkpoint_every = opt_ll("--checkpoint-every", optarg, 0, INT64_MAX); break;
		case O_MAXSTEPS: o->max_steps = opt_ll("--max-steps", optarg, 0, INT64_MAX); break;
		case O_NOSKIP: o->no_skip = 1; break;
		case O_DENSE: o->dense_backward = 1; break;
		case O_SKIPBAD: o->skip_bad = 1; break;
		case O_MELCHECK: o->mel_check_headers = opt_choice("--mel-check", optarg, checks); break;
		case O_QUIET: o->quiet = 1; break;
		case O_REPORT: o->report = optarg; break;
		case O_PERPL: o->per_playlist = optarg; break;
		case O_TRACKS: o->tracks_out = optarg; break;
		case O_PLAYLISTS: o->playlists_out = optarg; break;
		case O_EMBEDDINGS: o->embeddings = optarg; break;
		case O_PLAYLIST: o->playlist = opt_ll("--playlist", optarg, 0, UINT32_MAX); break;
		case 'k': o->k = (int)opt_ll("-k", optarg, 1, 1 << 30); break;
		case O_SEEDS: o->seeds = optarg; break;
		case O_AUDIO: o->audio = optarg; break;
		case O_TRACK: o->track = optarg; break;
		case O_QUERIES: o->queries = optarg; break;
		case O_FOLDIN: o->foldin = opt_choice("--foldin", optarg, foldins); break;
		case O_FOLDIN_STEPS: o->foldin_steps = (int)opt_ll("--foldin-steps", optarg, 1, 1000000); break;
		case O_TITLE: o->title = optarg; break;
		case O_TITLES: o->titles = optarg; break;
		case O_CHALLENGE: o->challenge = optarg; break;
		case O_TEAM: o->team = optarg; break;
		case O_EMAIL: o->email = optarg; break;
		case 'o': o->out = optarg; break;
		case O_FOLDIN_LR: o->foldin_lr = (float)opt_double("--foldin-lr", optarg, 1e-9, 1e6); break;
		case O_EVALBATCH: o->eval_batch = (int)opt_ll("--eval-batch", optarg, 1, 1 << 20); break;
		case OPT_HELP: opt_help(usage);
		case OPT_VERSION: opt_version();
		default: opt_bad(usage);
		}
	}
	if (!(o->cfg.mel_max > o->cfg.mel_min))
		opt_usage_error(usage, "--mel-max must be above --mel-min");
}

/* The subcommand (0 train ... 5 challenge, or CMD_SCORE: score.c parses its
 * own options) and, for the others, every option into *out, each value and
 * combination checked; no file is touched. */
enum { CMD_SCORE = 6 };

static int parse_command(struct options *out, int argc, char **argv)
{
	static const char *const cmds[] = { "train", "eval", "embed", "recommend", "similar",
	                                    "challenge", NULL };
	struct options o;
	int cmd;

	defaults(&o);
	if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0))
		opt_help(usage);
	if (argc >= 2 && strcmp(argv[1], "--version") == 0)
		opt_version();
	if (argc < 2)
		opt_usage_error(usage, "a subcommand is required: train, eval, embed, recommend, "
		                "similar, challenge or score");
	if (strcmp(argv[1], "score") == 0)          /* its own options: score.c */
		return CMD_SCORE;
	cmd = -1;
	for (int i = 0; cmds[i] != NULL; i++)
		if (strcmp(argv[1], cmds[i]) == 0)
			cmd = i;
	if (cmd < 0)
		opt_usage_error(usage, "unknown subcommand '%s'", argv[1]);
	parse(&o, argc - 1, argv + 1);
	if (optind + 1 < argc)
		opt_usage_error(usage, "unexpected argument '%s'", argv[optind + 1]);
	if (o.mpd == NULL)
		opt_usage_error(usage, "--mpd DIR is required");
	if (o.mels == NULL && !(cmd == 3 && (o.embeddings != NULL || o.audio != NULL)) && cmd != 4 &&
	    !(cmd == 5 && o.embeddings != NULL))
		opt_usage_error(usage, "--mels DIR is required");
	if (cmd != 0 && o.load == NULL && !(cmd == 4 && o.audio == NULL))
		opt_usage_error(usage, "--load CKPT is required");
	if (cmd == 3 && (o.playlist >= 0) + (o.seeds != NULL || o.title != NULL) +
	                (o.audio != NULL) != 1)
		opt_usage_error(usage, "recommend needs one of --playlist PID, --seeds FILE (and/or "
		                "--title STR), --audio FILE.mel");
	if (cmd == 4 && (o.track != NULL) + (o.queries != NULL) + (o.audio != NULL) != 1)
		opt_usage_error(usage, "similar needs one of --track ID, --queries FILE, "
		                "--audio FILE.mel");
	if (cmd == 4 && o.embeddings == NULL)
		opt_usage_error(usage, "similar needs --embeddings TRACKS.emb (dcue-train embed)");
	if (o.foldin == 2 && cmd != 5)
		opt_usage_error(usage, "--foldin trained is for challenge (a new playlist has no row)");
	if (o.title != NULL && (cmd != 3 || o.titles == NULL))
		opt_usage_error(usage, "--title STR goes with recommend and --titles SLICES");
	if (cmd == 5 && (o.challenge == NULL || o.team == NULL || o.email == NULL || o.out == NULL))
		opt_usage_error(usage, "challenge needs --challenge FILE, --team NAME, --email ADDR "
		                "and -o FILE");
	if (cmd == 5 && (o.team[0] == '\0' || strpbrk(o.team, ",\n\r") != NULL ||
	                 o.email[0] == '\0' || strpbrk(o.email, ",\n\r") != NULL))
		opt_usage_error(usage, "--team and --email must be non-empty and hold no comma or "
		                "line break (they form a CSV line)");
	if (cmd == 2 && o.tracks_out == NULL && o.playlists_out == NULL)
		opt_usage_error(usage, "embed needs --tracks FILE and/or --playlists FILE");
	*out = o;
	return cmd;
}

int main(int argc, char **argv)
{
	struct options o;
	int cmd, rc;

	msg_init(argv[0]);
	cmd = parse_command(&o, argc, argv);
	if (cmd == CMD_SCORE)
		return cmd_score(argc - 1, argv + 1);
	if (gemm_backend() == NULL)   /* refused before any work, not at the first GEMM */
		diex(EXIT_USAGE, "DCUE_GEMM: expected onednn or openblas, found '%s'",
		     getenv("DCUE_GEMM"));
	/* under mpirun: MPI from here on (help and usage errors never start it) */
	dist_init(&argc, &argv);
	o.argc = argc;
	o.argv = argv;
	if (o.threads > 0 && cmd != 0)
		openblas_set_num_threads(o.threads);
	/* every output is checked before the long work, not after it */
	const char *outs[] = { o.save, o.metrics, o.report, o.per_playlist, o.tracks_out,
	                       o.playlists_out, cmd == 5 ? o.out : NULL };
	for (size_t i = 0; i < sizeof outs / sizeof outs[0]; i++)
		if (outs[i] != NULL && atomic_probe(outs[i]) != 0)
			die(EXIT_WORK, "%s: cannot write", outs[i]);
	switch (cmd) {
	case 0: rc = cmd_train(&o); break;
	case 1: rc = cmd_eval(&o); break;
	case 2: rc = cmd_embed(&o); break;
	case 3: rc = cmd_recommend(&o); break;
	case 4: rc = cmd_similar(&o); break;
	default: rc = cmd_challenge(&o); break;
	}
	if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0)
		die(EXIT_WORK, "stdout");
	dist_finish();
	return rc;
}
