/* replay.c — runs a libFuzzer harness without libFuzzer: every file named
 * on the command line, and every file directly inside a folder named
 * there, is passed once to LLVMFuzzerTestOneInput.  `make test` builds each
 * harness with this driver (and with the sanitizers under SAN=1) to replay
 * the seed corpora and every regression input (tests/cli/fuzz-replay.sh).
 *
 *   fuzz_NAME FILE|DIR ...      prints "N inputs" on stdout */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static unsigned long runs;
static FILE *report;       /* stdout as it was: harnesses may redirect stdout */

static int run_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t n = 0, cap = 0;

	if (fp == NULL) {
		fprintf(report, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (n == cap) {
			cap = cap ? 2 * cap : 4096;
			buf = realloc(buf, cap);
			if (buf == NULL)
				abort();
		}
		size_t got = fread(buf + n, 1, cap - n, fp);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(fp)) {
		fprintf(report, "replay: %s: read error\n", path);
		fclose(fp);
		free(buf);
		return -1;
	}
	fclose(fp);
	/* an exact-size copy, so ASan sees a read past the input's end */
	uint8_t *exact = malloc(n ? n : 1);
	if (exact == NULL)
		abort();
	memcpy(exact, buf, n);
	free(buf);
	LLVMFuzzerTestOneInput(exact, n);
	free(exact);
	runs++;
	return 0;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_dir(const char *dir)
{
	struct dirent **list;
	int n = scandir(dir, &list, NULL, NULL), rc = 0;

	if (n < 0) {
		fprintf(report, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	char **names = malloc(((size_t)n + 1) * sizeof *names);
	int k = 0;
	for (int i = 0; i < n; i++) {
		if (list[i]->d_name[0] != '.')
			names[k++] = strdup(list[i]->d_name);
		free(list[i]);
	}
	free(list);
	qsort(names, (size_t)k, sizeof *names, cmp);
	for (int i = 0; i < k; i++) {
		char path[4096];
		struct stat st;
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && run_file(path) != 0)
			rc = -1;
		free(names[i]);
	}
	free(names);
	return rc;
}

int main(int argc, char **argv)
{
	struct stat st;
	int rc = 0;

	report = fdopen(dup(1), "w");
	if (report == NULL)
		return 1;
	if (LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		if (stat(argv[i], &st) != 0) {
			fprintf(report, "replay: %s: %s\n", argv[i], strerror(errno));
			rc = 1;
		} else if (S_ISDIR(st.st_mode) ? run_dir(argv[i]) : run_file(argv[i])) {
			rc = 1;
		}
	}
	fprintf(report, "%lu inputs\n", runs);
	return fclose(report) == 0 ? rc : 1;
}
