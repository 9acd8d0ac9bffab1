/* test_atomic_set.c — unit tests for atomic_commit_set() and atomic_probe():
 * a set is replaced whole or not at all, whatever step fails. */
#define _GNU_SOURCE
#include "check.h"
#include "files.h"

#include "atomic.h"
#include "msg.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static char *read_text(const char *path)
{
	static char buf[4][256];
	static int k;
	FILE *fp = fopen(path, "rb");
	char *b = buf[k++ % 4];
	size_t n;

	if (fp == NULL)
		return "(missing)";
	n = fread(b, 1, sizeof buf[0] - 1, fp);
	b[n] = '\0';
	fclose(fp);
	return b;
}

static void put(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");
	fputs(text, fp);
	fclose(fp);
}

static int open_two(struct atomic_file *a, struct atomic_file *b, const char *pa,
                    const char *pb, const char *ta, const char *tb)
{
	if (atomic_open(a, pa) != 0)
		return -1;
	if (atomic_open(b, pb) != 0) {
		atomic_abort(a);
		return -1;
	}
	fputs(ta, a->fp);
	fputs(tb, b->fp);
	return 0;
}

static void test_commit(void)
{
	struct atomic_file a, b;
	struct atomic_file *set[2] = { &a, &b };
	size_t bad = 99;

	CHECK(mkdir_p("s1/sub") == 0);
	put("s1/a", "old a\n");
	put("s1/sub/b", "old b\n");
	CHECK(open_two(&a, &b, "s1/a", "s1/sub/b", "new a\n", "new b\n") == 0);
	CHECK_EQ_STR(read_text("s1/a"), "old a\n");
	CHECK(atomic_commit_set(set, 2, &bad) == 0);
	CHECK_EQ_STR(read_text("s1/a"), "new a\n");
	CHECK_EQ_STR(read_text("s1/sub/b"), "new b\n");
	CHECK_EQ_INT(count_entries("s1"), 2);         /* no temporary, no backup */
	CHECK_EQ_INT(count_entries("s1/sub"), 1);
	CHECK(a.fp == NULL && a.path == NULL && b.tmp == NULL);

	/* a first run: no previous files */
	CHECK(open_two(&a, &b, "s1/c", "s1/d", "c\n", "d\n") == 0);
	CHECK(atomic_commit_set(set, 2, NULL) == 0);
	CHECK_EQ_STR(read_text("s1/c"), "c\n");
	CHECK_EQ_STR(read_text("s1/d"), "d\n");
}

/* A member that cannot be replaced: nothing is. */
static void test_rename_fails(void)
{
	struct atomic_file a, b;
	struct atomic_file *set[2] = { &a, &b };
	size_t bad = 99;

	/* a folder standing where b's target is: refused before any rename */
	CHECK(mkdir_p("s2/dir") == 0);
	put("s2/a", "old a\n");
	CHECK(open_two(&a, &b, "s2/a", "s2/dir/b", "new a\n", "new b\n") == 0);
	CHECK(mkdir_p("s2/dir/b") == 0);
	CHECK(atomic_commit_set(set, 2, &bad) == -1);
	CHECK_EQ_INT(bad, 1);
	CHECK_EQ_INT(errno, EISDIR);
	CHECK_EQ_STR(read_text("s2/a"), "old a\n");
	CHECK_EQ_INT(count_entries("s2"), 2);         /* a, dir: no leftovers */
	CHECK_EQ_INT(count_entries("s2/dir"), 1);

	/* b's folder vanishes after the files were written: a is renamed, b's
	 * rename fails, and a is put back from its backup */
	CHECK(mkdir_p("s2/gone") == 0);
	CHECK(open_two(&a, &b, "s2/a", "s2/gone/b", "new a\n", "new b\n") == 0);
	CHECK(rename("s2/gone", "s2/moved") == 0);
	CHECK(atomic_commit_set(set, 2, &bad) == -1);
	CHECK_EQ_INT(errno, ENOENT);
	CHECK_EQ_INT(bad, 1);
	CHECK_EQ_STR(read_text("s2/a"), "old a\n");
	CHECK_EQ_INT(count_entries("s2"), 3);         /* a, dir, moved */
	/* (b's temporary moved with its folder, out of reach) */
	CHECK_EQ_INT(count_entries("s2/moved"), 1);

	/* the same with no previous a: the new a is removed again */
	CHECK(mkdir_p("s2/gone") == 0);
	CHECK(open_two(&a, &b, "s2/fresh", "s2/gone/b", "x\n", "y\n") == 0);
	CHECK(rename("s2/gone", "s2/moved2") == 0);
	CHECK(atomic_commit_set(set, 2, &bad) == -1);
	CHECK_EQ_STR(read_text("s2/fresh"), "(missing)");
	CHECK_EQ_INT(count_entries("s2"), 4);
}

/* A write error (file-size limit) shows at step 1: nothing is renamed. */
static void test_write_fails(void)
{
	struct atomic_file a, b;
	struct atomic_file *set[2] = { &a, &b };
	struct rlimit old, lim;
	size_t bad = 99;

	CHECK(mkdir_p("s3") == 0);
	put("s3/a", "old a\n");
	put("s3/b", "old b\n");
	CHECK(open_two(&a, &b, "s3/a", "s3/b", "small\n", "") == 0);
	for (int i = 0; i < 5000; i++)
		fputs("0123456789", b.fp);             /* 50 kB, buffered */
	getrlimit(RLIMIT_FSIZE, &old);
	lim = old;
	lim.rlim_cur = 4096;
	CHECK(setrlimit(RLIMIT_FSIZE, &lim) == 0);
	CHECK(atomic_commit_set(set, 2, &bad) == -1);
	CHECK_EQ_INT(errno, EFBIG);
	setrlimit(RLIMIT_FSIZE, &old);
	CHECK_EQ_INT(bad, 1);
	CHECK_EQ_STR(read_text("s3/a"), "old a\n");
	CHECK_EQ_STR(read_text("s3/b"), "old b\n");
	CHECK_EQ_INT(count_entries("s3"), 2);
}

static void test_probe(void)
{
	CHECK(mkdir_p("s4") == 0);
	CHECK(atomic_probe("s4/out") == 0);
	CHECK_EQ_INT(count_entries("s4"), 0);
	errno = 0;
	CHECK(atomic_probe("s4/nope/out") == -1 && errno == ENOENT);
	errno = 0;
	CHECK(atomic_probe("s4") == -1 && errno == EISDIR);
	CHECK(atomic_probe("-") == 0);
}

int main(int argc, char **argv)
{
	(void)argc;
	msg_init(argv[0]);           /* ignores SIGXFSZ: EFBIG instead of a kill */
	test_commit();
	test_rename_fails();
	test_write_fails();
	test_probe();
	return check_done();
}
