/* ckpt_io.c — for bench_checkpoint.sh: dcue-train's checkpoint writer and
 * reader (its own code, linked from its lib.a) timed inside one process,
 * on a model of P playlists (H 300, E = C = 64 unless given), so that no
 * data set, training or start-up enters the figures.
 *
 *   ckpt_io write PATH P [H E C]   fills a model, times ckpt_write (temp
 *                                  file, fsync, rename) → "write S BYTES CPU"
 *   ckpt_io read PATH              times ckpt_read (one pass: read, CRC,
 *                                  every check) → "read S BYTES CPU"
 *   ckpt_io read-warm PATH         the same after touching and giving back
 *                                  as much memory as the file (untimed):
 *                                  the reader without the first touch of
 *                                  its destination
 * S wall-clock seconds, CPU user + system seconds of all threads.
 *   ckpt_io make PATH P [H E C]    ckpt_write without timing
 *   ckpt_io touch BYTES            times the first write to BYTES of fresh
 *                                  memory (mapped as model_init maps the
 *                                  model's) → "touch S BYTES CPU": what a reader
 *                                  pays for its destination whatever it reads */
#include "checkpoint.h"
#include "model.h"
#include "progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>

static void usage(void)
{
	fprintf(stderr, "usage: ckpt_io write|make PATH P [H E C]\n       ckpt_io read|read-warm PATH\n"
	        "       ckpt_io touch BYTES\n");
	exit(2);
}

/* user + system CPU seconds of every thread so far */
static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
	       (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
}

static long long file_bytes(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

static int do_write(const char *path, int argc, char **argv, int timed)
{
	struct dcue_config cfg;
	struct model m;
	struct train_state st;
	struct history h = { 0 };

	memset(&cfg, 0, sizeof cfg);
	cfg.n_playlists = (uint32_t)strtoul(argv[0], NULL, 10);
	cfg.hidden = argc > 1 ? (uint32_t)atoi(argv[1]) : 300;
	cfg.embedding = argc > 2 ? (uint32_t)atoi(argv[2]) : 64;
	cfg.channels = argc > 3 ? (uint32_t)atoi(argv[3]) : 64;
	cfg.mel_bins = 128, cfg.mel_length = 130, cfg.nb_negatives = 20, cfg.batch_size = 16;
	cfg.train_pct = 80, cfg.valid_pct = 10, cfg.margin = 0.2f, cfg.lr = 0.1f;
	cfg.momentum = 0.9f, cfg.mel_min = 0, cfg.mel_max = 1, cfg.mel_std = 1;
	if (cfg.n_playlists == 0)
		usage();
	model_init(&m, &cfg);
	/* values cheap to make (no 300 M normal draws), distinct, finite */
	for (size_t i = 0; i < m.n_params; i++) {
		m.param_mem[i] = (float)(i % 1999) * 1e-3f - 1.0f;
		m.mom_mem[i] = (float)(i % 997) * 1e-4f;
	}
	memset(&st, 0, sizeof st);
	st.step = 7;
	model_rows_set_step(&m, st.step);
	double t = now_seconds(), c = cpu_seconds();
	if (ckpt_write(path, &m, &st, &h) != 0) {
		perror(path);
		return 1;
	}
	t = now_seconds() - t, c = cpu_seconds() - c;
	if (timed)
		printf("write %.4f %lld %.4f\n", t, file_bytes(path), c);
	model_free(&m);
	return 0;
}

/* Maps n bytes as model_init maps the model's, writes them once and unmaps
 * them; the seconds and CPU seconds of the writing.  -1 when mmap fails. */
static int touch_fresh(size_t n, double *t, double *c)
{
	char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -1;
#ifdef MADV_HUGEPAGE
	(void)madvise(p, n, MADV_HUGEPAGE);
#endif
	*t = now_seconds(), *c = cpu_seconds();
	memset(p, 1, n);
	*t = now_seconds() - *t, *c = cpu_seconds() - *c;
	munmap(p, n);
	return 0;
}

static int do_read(const char *path, int warm)
{
	struct model m;
	char err[1024];
	double t, c;

	/* warm: the memory the model will take was just touched and given
	 * back, so the timing is the reader's, not the first touch's */
	if (warm && touch_fresh((size_t)file_bytes(path), &t, &c) != 0)
		usage();
	t = now_seconds(), c = cpu_seconds();
	if (ckpt_read(path, &m, NULL, NULL, err, sizeof err) != 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	t = now_seconds() - t, c = cpu_seconds() - c;
	printf("read %.4f %lld %.4f\n", t, file_bytes(path), c);
	model_free(&m);
	return 0;
}

static int do_touch(const char *arg)
{
	size_t n = (size_t)strtoull(arg, NULL, 10);
	double t, c;

	if (n == 0 || touch_fresh(n, &t, &c) != 0)
		usage();
	printf("touch %.4f %zu %.4f\n", t, n, c);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && argc <= 7 && strcmp(argv[1], "write") == 0)
		return do_write(argv[2], argc - 3, argv + 3, 1);
	if (argc >= 4 && argc <= 7 && strcmp(argv[1], "make") == 0)
		return do_write(argv[2], argc - 3, argv + 3, 0);
	if (argc == 3 && strcmp(argv[1], "read") == 0)
		return do_read(argv[2], 0);
	if (argc == 3 && strcmp(argv[1], "read-warm") == 0)
		return do_read(argv[2], 1);
	if (argc == 3 && strcmp(argv[1], "touch") == 0)
		return do_touch(argv[2]);
	usage();
	return 2;
}
