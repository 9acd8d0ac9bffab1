/* slices.c — see slices.h. */
#define _POSIX_C_SOURCE 200809L
#include "slices.h"
#include "msg.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int ends_with(const char *s, size_t n, const char *suffix)
{
	size_t m = strlen(suffix);
	return n > m && strcmp(s + n - m, suffix) == 0;
}

int slices_is_slice(const char *name)
{
	size_t n = strlen(name);
	return name[0] != '.' && (ends_with(name, n, ".json") || ends_with(name, n, ".json.gz"));
}

void slices_add(struct slices *s, const char *path)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->v = xrealloc(s->v, s->cap * sizeof *s->v);
	}
	s->v[s->n++] = xstrdup(path);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void slices_collect(struct slices *s, const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	size_t before = s->n;

	if (strcmp(path, "-") == 0) {
		slices_add(s, path);
		return;
	}
	if (stat(path, &st) != 0)
		die(EXIT_WORK, "%s: cannot open", path);
	if (!S_ISDIR(st.st_mode)) {
		slices_add(s, path);
		return;
	}
	if ((d = opendir(path)) == NULL)
		die(EXIT_WORK, "%s: cannot open folder", path);
	while ((e = readdir(d)) != NULL) {
		if (!slices_is_slice(e->d_name))
			continue;
		char *p = xmalloc(strlen(path) + strlen(e->d_name) + 2);
		sprintf(p, "%s/%s", path, e->d_name);
		slices_add(s, p);
		free(p);
	}
	closedir(d);
	if (s->n == before)
		diex(EXIT_WORK, "%s: no .json or .json.gz files in this folder", path);
	qsort(s->v + before, s->n - before, sizeof *s->v, by_name);
}

void slices_free(struct slices *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof *s);
}
