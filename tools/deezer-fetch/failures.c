/* failures.c — see failures.h. */
#define _GNU_SOURCE
#include "failures.h"
#include "fdio.h"
#include "msg.h"
#include "tsv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int failures_append(const char *path, const char *id, const char *reason, const char *message)
{
	char idbuf[65], when[32];
	char *line = NULL;
	size_t len = 0;
	FILE *mem;
	struct stat st;
	time_t now = time(NULL);
	struct tm tm;
	int fd, rc = 0, saved = 0;

	snprintf(idbuf, sizeof idbuf, "%s", id);
	for (char *p = idbuf; *p; p++)
		if (*p == '\t' || (unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	gmtime_r(&now, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	/* Build the whole line first so it goes out in one write. */
	mem = open_memstream(&line, &len);
	if (mem == NULL)
		return -1;
	tsv_put(mem, idbuf);
	fprintf(mem, "\t%s\t", reason);
	tsv_put_escaped(mem, message);
	fprintf(mem, "\t%s\n", when);
	if (fclose(mem) != 0) {
		free(line);
		return -1;
	}
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		free(line);
		return -1;
	}
	while (flock(fd, LOCK_EX) != 0)
		if (errno != EINTR) {
			rc = -1;
			goto out;
		}
	if (fstat(fd, &st) != 0) {
		rc = -1;
		goto out;
	}
	if (st.st_size == 0)
		rc = write_all(fd, FAILURES_HEADER "\n", sizeof FAILURES_HEADER);
	if (rc == 0)
		rc = write_all(fd, line, len);
	/* A full disk or a file-size limit must not leave half a line: cut the
	 * file back to what it was (we hold the lock). */
	if (rc != 0) {
		saved = errno;
		if (ftruncate(fd, st.st_size) != 0) {
			/* nothing more to do: the reader skips a malformed last line */
		}
		errno = saved;
	}
	/* No fsync: a line lost to a power cut only means that track is tried
	 * again by the next run. */
out:
	saved = errno;
	close(fd);             /* releases the lock */
	free(line);
	errno = saved;
	return rc;
}

int failures_load(const char *path, void (*fn)(void *arg, const char *id, const char *reason,
                                               unsigned long lineno),
                  void *arg, unsigned long *bad)
{
	FILE *fp = fopen(path, "rb");
	struct tsv_reader r;
	unsigned long nbad = 0, toolong;
	int got;

	if (bad != NULL)
		*bad = 0;
	if (fp == NULL)
		return errno == ENOENT ? 0 : -1;
	tsv_reader_init(&r, fp, 1 << 16);
	while ((got = tsv_getline(&r, &toolong)) > 0) {
		char *f[3];
		if (got == 2) {
			nbad++;
			continue;
		}
		if (r.line[0] == '#' || r.line[0] == '\0')
			continue;
		/* A last line without its newline was torn: ignore it. */
		if (feof(fp))
			break;
		if (tsv_split(r.line, f, 3) < 3) {
			nbad++;
			continue;
		}
		fn(arg, f[0], f[1], r.lineno);
	}
	int err = got < 0 ? errno : 0;
	tsv_reader_free(&r);
	fclose(fp);
	if (bad != NULL)
		*bad = nbad;
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}

int failures_permanent(const char *reason)
{
	static const char *const perm[] = { "not_found", "no_preview", "invalid_id", "too_large" };

	for (size_t i = 0; i < sizeof perm / sizeof perm[0]; i++)
		if (strcmp(reason, perm[i]) == 0)
			return 1;
	return 0;
}
