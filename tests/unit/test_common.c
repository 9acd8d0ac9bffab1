/* test_common.c — unit tests for common/: atomic output, the binary
 * container, playlists.bin, .mel files, the RNG, TSV, ids, options. */
#define _GNU_SOURCE
#include "check.h"
#include "files.h"

#include "atomic.h"
#include "binfile.h"
#include "ids.h"
#include "melfile.h"
#include "msg.h"
#include "playlists.h"
#include "rng.h"
#include "tracks.h"
#include "tsv.h"

#include "opts.h"
#include "progress.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char *read_text(const char *path)
{
	static char buf[4096];
	FILE *fp = fopen(path, "rb");
	size_t n;

	if (fp == NULL)
		return NULL;
	n = fread(buf, 1, sizeof buf - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static void test_atomic(void)
{
	struct atomic_file af;

	CHECK(mkdir_p("at/a/b") == 0);
	CHECK(mkdir_p("at/a/b") == 0);                  /* idempotent */
	/* commit replaces the old file, leaves no temporary behind */
	FILE *fp = fopen("at/out.txt", "w");
	fputs("old\n", fp);
	fclose(fp);
	CHECK(atomic_open(&af, "at/out.txt") == 0);
	fputs("new\n", af.fp);
	CHECK_EQ_STR(read_text("at/out.txt"), "old\n");  /* not visible before commit */
	CHECK(atomic_commit(&af) == 0);
	CHECK_EQ_STR(read_text("at/out.txt"), "new\n");
	CHECK_EQ_INT(count_entries("at"), 2);             /* a/ and out.txt */
	/* abort keeps the old file and removes the temporary */
	CHECK(atomic_open(&af, "at/out.txt") == 0);
	fputs("partial", af.fp);
	atomic_abort(&af);
	CHECK_EQ_STR(read_text("at/out.txt"), "new\n");
	CHECK_EQ_INT(count_entries("at"), 2);
	/* a missing folder is an error with errno */
	errno = 0;
	CHECK(atomic_open(&af, "at/nope/x") == -1 && errno == ENOENT);
	/* mkdir_p refuses a path through a file */
	CHECK(mkdir_p("at/out.txt/x") == -1);
}

static void write_bin(const char *path, uint32_t version, const char *payload)
{
	struct bin_writer w;
	struct bin_header h;
	uint32_t meta[2] = { 7, 9 };

	u8_header(&h, "DCUETST", version, strlen(payload), sizeof meta);
	CHECK(bin_create(&w, path, &h, meta) == 0);
	CHECK(bin_write(&w, payload, 3) == 0);
	CHECK(bin_write(&w, payload + 3, strlen(payload) - 3) == 0);
	CHECK(bin_finish(&w) == 0);
}

static void test_binfile(void)
{
	struct bin_reader r;
	uint32_t meta[2];
	char buf[32] = "";

	write_bin("t.bin", 1, "hello world");
	CHECK(bin_open(&r, "t.bin", "DCUETST", 1, meta, sizeof meta) == 0);
	CHECK_EQ_INT(meta[0], 7);
	CHECK_EQ_INT(meta[1], 9);
	CHECK_EQ_INT(r.h.dims[0], 11);
	CHECK(bin_read(&r, buf, 11) == 0);
	CHECK_EQ_STR(buf, "hello world");
	bin_close(&r);

	/* wrong magic, newer version, wrong meta size */
	CHECK(bin_open(&r, "t.bin", "DCUEXXX", 1, meta, sizeof meta) == -1);
	CHECK(strstr(r.err, "t.bin") && strstr(r.err, "magic"));
	bin_close(&r);
	write_bin("v2.bin", 2, "hello world");
	CHECK(bin_open(&r, "v2.bin", "DCUETST", 1, meta, sizeof meta) == -1);
	CHECK(strstr(r.err, "version 2") != NULL);
	bin_close(&r);
	CHECK(bin_open(&r, "t.bin", "DCUETST", 1, meta, 4) == -1);
	bin_close(&r);

	/* payload corruption is caught by the data CRC */
	write_bin("c.bin", 1, "hello world");
	flip_bits("c.bin", BIN_HEADER_BYTES + 8 + 4, 0x40);
	CHECK(bin_open(&r, "c.bin", "DCUETST", 1, meta, sizeof meta) == 0);
	CHECK(bin_read(&r, buf, 11) == -1);
	CHECK(strstr(r.err, "checksum") != NULL);
	bin_close(&r);
	/* header corruption by the header CRC */
	write_bin("h.bin", 1, "hello world");
	flip_bits("h.bin", 20, 0x40);
	CHECK(bin_open(&r, "h.bin", "DCUETST", 1, meta, sizeof meta) == -1);
	CHECK(strstr(r.err, "header checksum") != NULL);
	bin_close(&r);
	/* truncation by the size check */
	write_bin("tr.bin", 1, "hello world");
	CHECK(truncate("tr.bin", BIN_HEADER_BYTES + 8 + 5) == 0);
	CHECK(bin_open(&r, "tr.bin", "DCUETST", 1, meta, sizeof meta) == -1);
	CHECK(strstr(r.err, "truncated") != NULL);
	bin_close(&r);
	/* empty and missing files */
	fclose(fopen("empty.bin", "w"));
	CHECK(bin_open(&r, "empty.bin", "DCUETST", 1, meta, sizeof meta) == -1);
	CHECK(strstr(r.err, "empty") != NULL);
	bin_close(&r);
	CHECK(bin_open(&r, "missing.bin", "DCUETST", 1, meta, sizeof meta) == -1);
	bin_close(&r);

	/* a writer that delivers the wrong byte count leaves nothing behind */
	struct bin_writer w;
	struct bin_header h;
	memset(&h, 0, sizeof h);
	memcpy(h.magic, "DCUETST", 8);
	h.version = 1;
	h.payload_bytes = 10;
	CHECK(bin_create(&w, "short.bin", &h, NULL) == 0);
	CHECK(bin_write(&w, "abc", 3) == 0);
	CHECK(bin_finish(&w) == -1);
	CHECK(access("short.bin", F_OK) == -1);
}

static void test_playlists(void)
{
	uint32_t pid[3] = { 0, 5, 9 };
	uint64_t off[4] = { 0, 2, 2, 5 };
	uint32_t trk[5] = { 0, 1, 3, 1, 2 };
	struct playlists pl = { 3, 5, 4, pid, off, trk }, back;
	char err[600];

	CHECK(playlists_write("p.bin", &pl) == 0);
	CHECK(playlists_read("p.bin", &back, err, sizeof err) == 0);
	CHECK_EQ_INT(back.n_playlists, 3);
	CHECK_EQ_INT(back.n_entries, 5);
	CHECK_EQ_INT(back.n_tracks, 4);
	CHECK(memcmp(back.pid, pid, sizeof pid) == 0);
	CHECK(memcmp(back.offsets, off, sizeof off) == 0);
	CHECK(memcmp(back.track, trk, sizeof trk) == 0);
	playlists_free(&back);

	trk[4] = 4;                                   /* index out of range */
	CHECK(playlists_write("bad.bin", &pl) == 0);
	CHECK(playlists_read("bad.bin", &back, err, sizeof err) == -1);
	CHECK(strstr(err, "bad.bin") != NULL);
	trk[4] = 2;
	pid[2] = 5;                                   /* pids not increasing */
	CHECK(playlists_write("bad2.bin", &pl) == 0);
	CHECK(playlists_read("bad2.bin", &back, err, sizeof err) == -1);
}

static void test_melfile(void)
{
	struct mel_meta meta = { 22050, 1024, 512, MEL_SCALE_DB, MEL_PAD_CONSTANT, 0, -80.0f, 0.0f };
	enum { T = 7, M = 5 };
	float v[T * M], back[T * M];
	struct mel m;
	char err[600];

	for (int i = 0; i < T * M; i++)
		v[i] = -80.0f * (float)i / (T * M - 1);
	CHECK(mel_write("f.mel", &meta, BIN_F32, T, M, v, err, sizeof err) == 0);
	CHECK(mel_read("f.mel", &m, err, sizeof err) == 0);
	CHECK_EQ_INT(m.n_frames, T);
	CHECK_EQ_INT(m.n_mels, M);
	CHECK_EQ_INT(m.meta.hop, 512);
	mel_to_float(&m, back);
	CHECK(memcmp(back, v, sizeof v) == 0);
	mel_free(&m);

	/* u8: round trip within half a quantisation step */
	CHECK(mel_write("q.mel", &meta, BIN_U8, T, M, v, err, sizeof err) == 0);
	CHECK(mel_read("q.mel", &m, err, sizeof err) == 0);
	CHECK_EQ_INT(m.dtype, BIN_U8);
	mel_to_float(&m, back);
	double worst = 0;
	for (int i = 0; i < T * M; i++)
		worst = fmax(worst, fabs(back[i] - v[i]));
	CHECK(worst <= 0.5 * 80.0 / 255.0 + 1e-5);
	CHECK_EQ_INT(((uint8_t *)m.data)[0], 255);    /* 0 dB is the top level */
	CHECK_EQ_INT(((uint8_t *)m.data)[T * M - 1], 0);
	mel_free(&m);
	CHECK_EQ_INT(mel_value_to_u8(&meta, -100.0f), 0);   /* clamped */
	CHECK_EQ_INT(mel_value_to_u8(&meta, NAN), 0);

	/* a playlists file is not a mel file */
	CHECK(mel_read("p.bin", &m, err, sizeof err) == -1);
	CHECK(strstr(err, "not a DCUEMEL") != NULL);
}

static void test_rng(void)
{
	struct rng a, b;
	int hist[10] = { 0 };
	double sum = 0, sumsq = 0;

	rng_seed(&a, 42);
	rng_seed(&b, 42);
	for (int i = 0; i < 100; i++)
		CHECK_EQ_INT(rng_u64(&a) == rng_u64(&b), 1);
	rng_seed(&b, 43);
	CHECK(rng_u64(&a) != rng_u64(&b));
	for (int i = 0; i < 100000; i++) {
		uint64_t k = rng_below(&a, 10);
		CHECK(k < 10 || (CHECK(0), 0));
		hist[k]++;
		double x = rng_double(&a);
		if (!(x >= 0 && x < 1))
			CHECK(0);
		double z = rng_normal(&a);
		sum += z;
		sumsq += z * z;
	}
	for (int i = 0; i < 10; i++)
		CHECK(hist[i] > 9500 && hist[i] < 10500);
	CHECK(fabs(sum / 100000) < 0.02);
	CHECK(fabs(sumsq / 100000 - 1) < 0.03);

	uint32_t v[50], seen[50] = { 0 };
	for (uint32_t i = 0; i < 50; i++)
		v[i] = i;
	rng_shuffle_u32(&a, v, 50);
	int moved = 0;
	for (uint32_t i = 0; i < 50; i++) {
		seen[v[i]]++;
		moved += v[i] != i;
	}
	for (int i = 0; i < 50; i++)
		CHECK_EQ_INT(seen[i], 1);
	CHECK(moved > 30);
}

static void test_tsv(void)
{
	FILE *fp = fopen("t.tsv", "w+");
	struct tsv_reader r;
	char *f[4];
	unsigned long long_line = 0;

	tsv_put(fp, "a\tb\nc\x01");
	fputc('\n', fp);
	tsv_put_escaped(fp, "x\ty\\z\n");
	fputc('\n', fp);
	for (int i = 0; i < 300; i++)
		fputc('L', fp);
	fputs("\r\nlast\tfield\tthree\tfour\tfive", fp);
	rewind(fp);
	tsv_reader_init(&r, fp, 200);
	CHECK_EQ_INT(tsv_getline(&r, NULL), 1);
	CHECK_EQ_STR(r.line, "a b c ");
	CHECK_EQ_INT(tsv_getline(&r, NULL), 1);
	CHECK_EQ_STR(r.line, "x\\ty\\\\z\\n");
	CHECK_EQ_STR(tsv_unescape(r.line), "x\ty\\z\n");
	CHECK_EQ_INT(tsv_getline(&r, &long_line), 2);       /* the long line is reported */
	CHECK_EQ_INT(long_line, 3);
	CHECK_EQ_INT(tsv_getline(&r, NULL), 1);             /* no final newline */
	CHECK_EQ_INT(r.lineno, 4);
	CHECK_EQ_INT(tsv_split(r.line, f, 4), 4);
	CHECK_EQ_STR(f[0], "last");
	CHECK_EQ_STR(f[3], "four\tfive");
	CHECK_EQ_INT(tsv_getline(&r, NULL), 0);
	tsv_reader_free(&r);
	fclose(fp);

	char s[] = "ctl\x7f\x1f";
	CHECK_EQ_STR(tsv_clean(s), "ctl  ");
}

static void test_ids_tracks(void)
{
	struct tracks t;
	char err[600];
	FILE *fp;

	CHECK(track_id_valid("0UaMYEvWZi0ZqiDOoHU3YI"));
	CHECK(!track_id_valid("0UaMYEvWZi0ZqiDOoHU3Y"));
	CHECK(!track_id_valid("0UaMYEvWZi0ZqiDOoHU3YIx"));
	CHECK(!track_id_valid("../aMYEvWZi0ZqiDOoHU3YI"));
	CHECK(track_id_from_uri("spotify:track:0UaMYEvWZi0ZqiDOoHU3YI") != NULL);
	CHECK(track_id_from_uri("spotify:album:0UaMYEvWZi0ZqiDOoHU3YI") == NULL);
	CHECK(name_is_safe("abc-1_2.x"));
	CHECK(!name_is_safe(".hidden"));
	CHECK(!name_is_safe("a/b"));
	CHECK(!name_is_safe(""));

	fp = fopen("tracks.tsv", "w");
	fprintf(fp, "%s\n", TRACKS_HEADER);
	fprintf(fp, "0UaMYEvWZi0ZqiDOoHU3YI\tLukas Graham\t7 Years\t7 Years\t237300\t3\t7 Years\n");
	fprintf(fp, "6I9VzXrHxO9rA9A5euc8Ak\tBritney Spears\tToxic\tIn The Zone\t198800\t1\tToxic\n");
	fclose(fp);
	CHECK(tracks_read("tracks.tsv", &t, err, sizeof err) == 0);
	CHECK_EQ_INT(t.n, 2);
	CHECK_EQ_STR(t.id[1], "6I9VzXrHxO9rA9A5euc8Ak");
	CHECK_EQ_STR(t.artist[0], "Lukas Graham");
	CHECK_EQ_INT(t.count[0], 3);
	CHECK_EQ_INT(t.duration_ms[1], 198800);
	tracks_free(&t);

	fp = fopen("crlf.tsv", "w");
	fprintf(fp, "%s\r\n0UaMYEvWZi0ZqiDOoHU3YI\tA\tT\tAl\t1\t2\tName\r\n", TRACKS_HEADER);
	fclose(fp);
	CHECK(tracks_read("crlf.tsv", &t, err, sizeof err) == 0);
	CHECK_EQ_INT(t.n, 1);
	CHECK_EQ_INT(t.count[0], 2);
	tracks_free(&t);

	fp = fopen("bad.tsv", "w");
	fprintf(fp, "%s\nnot-an-id\ta\tb\tc\t1\t1\tn\n", TRACKS_HEADER);
	fclose(fp);
	CHECK(tracks_read("bad.tsv", &t, err, sizeof err) == -1);
	CHECK(strstr(err, "bad.tsv:2") != NULL);
}

/* Runs fn in a child with stdout and stderr captured; returns the exit
 * status and fills out/err (NUL-terminated, truncated to cap). */
static int run_captured(void (*fn)(void *), void *arg, char *out, char *err, size_t cap)
{
	int po[2], pe[2], status;
	pid_t pid;

	if (pipe(po) != 0 || pipe(pe) != 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(po[1], 1);
		dup2(pe[1], 2);
		close(po[0]), close(pe[0]);
		fn(arg);
		fflush(stdout);
		_exit(0);
	}
	close(po[1]), close(pe[1]);
	ssize_t n = read(po[0], out, cap - 1);
	out[n > 0 ? n : 0] = '\0';
	n = read(pe[0], err, cap - 1);
	err[n > 0 ? n : 0] = '\0';
	close(po[0]), close(pe[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void do_warn(void *arg)
{
	(void)arg;
	errno = ENOENT;
	warn("opening %s", "x.json");
	warnx("plain %d", 42);
}

static void do_die(void *arg)
{
	(void)arg;
	errno = EACCES;
	die(EXIT_WORK, "writing %s", "out.bin");
}

static void do_opt_ll(void *arg)
{
	opt_ll("--limit", arg, 1, 100);
	printf("accepted\n");
}

static void do_opt_double(void *arg)
{
	printf("%g\n", opt_double("--lr", arg, 0, 1));
}

static void do_choice(void *arg)
{
	static const char *const choices[] = { "u8", "f32", NULL };
	printf("%d\n", opt_choice("--encoding", arg, choices));
}

static void do_help(void *arg)
{
	opt_help(arg);
}

static void do_version(void *arg)
{
	(void)arg;
	opt_version();
}

static void do_usage_error(void *arg)
{
	opt_usage_error(arg, "no input given");
}

static void do_progress(void *arg)
{
	struct progress p;

	progress_force(*(int *)arg);
	progress_init(&p, "work", 10);
	progress_update(&p, 10, "done");
	progress_end(&p);
}

static void test_msg_opts_progress(void)
{
	char out[4096], err[4096];
	int on = 1, off = 0;

	msg_prog = "tool";
	CHECK_EQ_INT(run_captured(do_warn, NULL, out, err, sizeof out), 0);
	CHECK_EQ_STR(err, "tool: opening x.json: No such file or directory\ntool: plain 42\n");
	CHECK_EQ_STR(out, "");
	CHECK_EQ_INT(run_captured(do_die, NULL, out, err, sizeof out), EXIT_WORK);
	CHECK_EQ_STR(err, "tool: writing out.bin: Permission denied\n");

	CHECK_EQ_INT(run_captured(do_opt_ll, "42", out, err, sizeof out), 0);
	CHECK_EQ_STR(out, "accepted\n");
	CHECK_EQ_INT(run_captured(do_opt_ll, "4x", out, err, sizeof out), EXIT_USAGE);
	CHECK(strstr(err, "--limit: '4x' is not an integer") != NULL);
	CHECK_EQ_INT(run_captured(do_opt_ll, "101", out, err, sizeof out), EXIT_USAGE);
	CHECK(strstr(err, "out of range") != NULL);
	CHECK_EQ_INT(run_captured(do_opt_ll, "", out, err, sizeof out), EXIT_USAGE);
	CHECK_EQ_INT(run_captured(do_opt_double, "0.25", out, err, sizeof out), 0);
	CHECK_EQ_STR(out, "0.25\n");
	CHECK_EQ_INT(run_captured(do_opt_double, "nan", out, err, sizeof out), EXIT_USAGE);
	CHECK_EQ_INT(run_captured(do_choice, "f32", out, err, sizeof out), 0);
	CHECK_EQ_STR(out, "1\n");
	CHECK_EQ_INT(run_captured(do_choice, "f16", out, err, sizeof out), EXIT_USAGE);
	CHECK(strstr(err, "'f16' is not one of: u8, f32") != NULL);

	static const char usage[] = "usage: tool [-x] FILE\n\nLong description.\n";
	CHECK_EQ_INT(run_captured(do_help, (void *)usage, out, err, sizeof out), 0);
	CHECK_EQ_STR(out, usage);
	CHECK_EQ_INT(run_captured(do_version, NULL, out, err, sizeof out), 0);
	CHECK_EQ_STR(out, "tool (dcue) " DCUE_VERSION "\n");
	CHECK_EQ_INT(run_captured(do_usage_error, (void *)usage, out, err, sizeof out), EXIT_USAGE);
	CHECK_EQ_STR(err, "tool: no input given\nusage: tool [-x] FILE\n"
	                  "Try 'tool --help' for more information.\n");

	/* the bar goes to stderr only, and only when enabled (a terminal) */
	CHECK_EQ_INT(run_captured(do_progress, &on, out, err, sizeof out), 0);
	CHECK_EQ_STR(out, "");
	CHECK(strstr(err, "\rwork [##############################] 10/10") != NULL);
	CHECK(strstr(err, "done") != NULL);
	CHECK_EQ_INT(run_captured(do_progress, &off, out, err, sizeof out), 0);
	CHECK_EQ_STR(err, "");
}

int main(int argc, char **argv)
{
	(void)argc;
	msg_init(argv[0]);
	test_atomic();
	test_binfile();
	test_playlists();
	test_melfile();
	test_rng();
	test_tsv();
	test_ids_tracks();
	test_msg_opts_progress();
	return check_done();
}
