/* mkchallenge.c — see mkchallenge.h. */
#define _GNU_SOURCE            /* renameat2, nftw */
#include "mkchallenge.h"
#include "playlists.h"
#include "atomic.h"
#include "msg.h"
#include "rng.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Categories from the most demanding (most seeds) to the least, so the
 * few long playlists go to the categories that need them. */
static const int pick_order[CH_CATEGORIES] = { 10, 9, 8, 7, 6, 5, 4, 3, 2, 1 };

int mkch_select(const uint32_t *distinct, size_t P, const struct mkch_options *o,
                uint8_t *category, uint32_t counts[CH_CATEGORIES + 1], char *err, size_t errcap)
{
	uint32_t *perm = xmalloc((P + 1) * sizeof *perm);
	struct rng r;

	memset(category, 0, P);
	memset(counts, 0, (CH_CATEGORIES + 1) * sizeof *counts);
	for (size_t p = 0; p < P; p++)
		perm[p] = (uint32_t)p;
	rng_seed(&r, o->seed);
	rng_shuffle_u32(&r, perm, P);
	for (int i = 0; i < CH_CATEGORIES; i++) {
		int c = pick_order[i];
		uint64_t need = (uint64_t)ch_categories[c].seeds + o->min_holdouts;

		for (size_t j = 0; j < P && counts[c] < o->per_category; j++) {
			uint32_t p = perm[j];
			if (category[p] == 0 && distinct[p] >= need) {
				category[p] = (uint8_t)c;
				counts[c]++;
			}
		}
		if (counts[c] < o->per_category) {
			if (o->strict) {
				snprintf(err, errcap, "category %d: %u playlists instead of %u: no more that are "
				         "long enough (at least %llu distinct tracks: %u seeds + %u held out) "
				         "and not taken by another category", c, counts[c],
				         o->per_category, (unsigned long long)need, ch_categories[c].seeds,
				         o->min_holdouts);
				free(perm);
				return -1;
			}
			if (!o->quiet)
				warnx("category %d: %u playlists instead of %u: no more that are long enough "
				      "(at least %llu distinct tracks: %u seeds + %u held out) and not taken by "
				      "another category", c, counts[c],
				      o->per_category, (unsigned long long)need, ch_categories[c].seeds,
				      o->min_holdouts);
		}
	}
	free(perm);
	return 0;
}

void mkch_seed_positions(uint64_t seed, uint32_t pid, int c, uint32_t n, uint32_t *out)
{
	uint32_t k = ch_categories[c].seeds;
	uint32_t *idx;
	struct rng r;
	int prefix;

	if (!ch_categories[c].random || k >= n) {
		for (uint32_t i = 0; i < k; i++)
			out[i] = i;
		return;
	}
	idx = xmalloc((size_t)n * sizeof *idx);
	rng_seed(&r, seed ^ (0x9E3779B97F4A7C15ull * ((uint64_t)pid + 1)));
	do {
		for (uint32_t i = 0; i < n; i++)
			idx[i] = i;
		for (uint32_t i = 0; i < k; i++) {     /* partial Fisher-Yates */
			uint32_t j = i + (uint32_t)rng_below(&r, n - i), t = idx[i];
			idx[i] = idx[j];
			idx[j] = t;
		}
		/* ascending: a counting pass over the chosen marks */
		memset(out, 0, k * sizeof *out);
		uint8_t *mark = xcalloc(n, 1);
		for (uint32_t i = 0; i < k; i++)
			mark[idx[i]] = 1;
		prefix = 1;
		for (uint32_t i = 0, m = 0; i < n; i++)
			if (mark[i]) {
				prefix &= i == m;
				out[m++] = i;
			}
		free(mark);
	} while (prefix);       /* the first k would make it a first-k category */
	free(idx);
}

/* --- pass 2 ------------------------------------------------------------------- */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static void rm_tree(const char *path)
{
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The output name of a slice: its base name without ".gz". */
static char *out_name(const char *path)
{
	const char *b = strrchr(path, '/');
	char *s = xstrdup(b ? b + 1 : path);
	size_t n = strlen(s);

	if (n > 3 && strcmp(s + n - 3, ".gz") == 0)
		s[n - 3] = '\0';
	return s;
}

struct chosen {
	json_t *pl;            /* the MPD playlist object (a reference) */
	uint32_t pid;
	int category;
};

static int by_category_pid(const void *a, const void *b)
{
	const struct chosen *x = a, *y = b;

	if (x->category != y->category)
		return x->category - y->category;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

static int dump_atomic(json_t *root, const char *path, size_t flags, struct atomic_file *af,
                       int commit, char *err, size_t errcap)
{
	if (atomic_open(af, path) != 0) {
		snprintf(err, errcap, "%s: cannot write: %s", path, strerror(errno));
		return -1;
	}
	if (json_dumpf(root, af->fp, flags) != 0 || fputc('\n', af->fp) == EOF || ferror(af->fp)) {
		snprintf(err, errcap, "%s: cannot write: %s", path, strerror(errno));
		atomic_abort(af);
		return -1;
	}
	if (commit && atomic_commit(af) != 0) {
		snprintf(err, errcap, "%s: cannot write: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* One slice: the chosen playlists go to ch (references), the rest is
 * written to tmpdir/NAME. */
static int split_slice(const char *path, const char *tmpdir, const uint32_t *pid,
                       const uint8_t *category, size_t P, struct chosen *ch, size_t *nch,
                       char *date, size_t datecap, char *err, size_t errcap)
{
	size_t len;
	long at;
	char *buf = read_whole_file(path, &len, err, errcap), *name, out[4096];
	json_error_t je;
	json_t *root, *arr, *kept, *info, *gen;
	struct atomic_file af;
	int rc = -1;

	if (buf == NULL)
		return -1;
	root = json_loadb(buf, len, JSON_ALLOW_NUL, &je);
	free(buf);
	if (root == NULL) {
		snprintf(err, errcap, "%s: invalid JSON at line %d, column %d: %s", path, je.line,
		         je.column, je.text);
		return -1;
	}
	arr = json_object_get(root, "playlists");
	info = json_object_get(root, "info");
	gen = info ? json_object_get(info, "generated_on") : NULL;
	if (json_is_string(gen) && strcmp(json_string_value(gen), date) > 0)
		snprintf(date, datecap, "%s", json_string_value(gen));
	kept = json_array();
	for (size_t i = 0; i < json_array_size(arr); i++) {
		json_t *pl = json_array_get(arr, i);
		json_int_t v = json_integer_value(json_object_get(pl, "pid"));

		if (v >= 0 && v <= UINT32_MAX && (at = playlists_row(pid, P, (uint32_t)v)) >= 0 && category[at]) {
			ch[*nch].pl = json_incref(pl);
			ch[*nch].pid = (uint32_t)v;
			ch[*nch].category = category[at];
			(*nch)++;
		} else {
			json_array_append(kept, pl);
		}
	}
	json_object_set_new(root, "playlists", kept);
	name = out_name(path);
	if (snprintf(out, sizeof out, "%s/%s", tmpdir, name) >= (int)sizeof out)
		snprintf(err, errcap, "%s: path too long", tmpdir);
	else if (dump_atomic(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER, &af, 1, err,
	                     errcap) == 0)
		rc = 0;
	free(name);
	json_decref(root);
	return rc;
}

/* The challenge file's entry for one chosen playlist. */
static json_t *challenge_entry(const struct chosen *c, uint64_t seed)
{
	json_t *tracks = json_object_get(c->pl, "tracks"), *o = json_object(), *seeds = json_array();
	uint32_t n = (uint32_t)json_array_size(tracks), k = ch_categories[c->category].seeds;
	uint32_t *pos = xmalloc(((size_t)k + 1) * sizeof *pos);

	mkch_seed_positions(seed, c->pid, c->category, n, pos);
	for (uint32_t i = 0; i < k; i++) {
		json_t *t = json_deep_copy(json_array_get(tracks, pos[i]));
		json_object_set_new(t, "pos", json_integer(pos[i]));
		json_array_append_new(seeds, t);
	}
	free(pos);
	json_object_set_new(o, "pid", json_integer(c->pid));
	if (ch_categories[c->category].titled)
		json_object_set(o, "name", json_object_get(c->pl, "name"));
	json_object_set_new(o, "num_tracks", json_integer(n));
	json_object_set_new(o, "num_samples", json_integer(k));
	json_object_set_new(o, "num_holdouts", json_integer(n - k));
	json_object_set_new(o, "tracks", seeds);
	return o;
}

/* Puts the new folder at DIR/mpd; the old one, if any, is removed. */
static int swap_in(const char *tmpdir, const char *final, char *err, size_t errcap)
{
	struct stat st;

	if (lstat(final, &st) != 0) {
		if (rename(tmpdir, final) == 0)
			return 0;
	} else if (S_ISDIR(st.st_mode) &&
	           renameat2(AT_FDCWD, tmpdir, AT_FDCWD, final, RENAME_EXCHANGE) == 0) {
		rm_tree(tmpdir);            /* now the old folder */
		return 0;
	} else if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
	}
	snprintf(err, errcap, "%s: cannot put the new slices in place: %s", final, strerror(errno));
	return -1;
}

int mkch_write(const struct mkch_options *o, char *const *files, size_t nfiles,
               const uint32_t *pid, const uint8_t *category, size_t P, char *err,
               size_t errcap)
{
	char tmpdir[4096], mpddir[4096], cpath[4096], tpath[4096], date[128] = "", desc[512];
	char **names = xmalloc((nfiles + 1) * sizeof *names);
	size_t want = 0, nch = 0;
	struct chosen *ch;
	struct atomic_file caf, taf;
	json_t *croot = NULL, *troot = NULL, *cpl, *tpl, *info;
	int rc = -1;

	for (size_t p = 0; p < P; p++)
		want += category[p] != 0;
	/* two inputs must not write one output name */
	for (size_t i = 0; i < nfiles; i++)
		names[i] = out_name(files[i]);
	qsort(names, nfiles, sizeof *names, cmp_str);
	for (size_t i = 1; i < nfiles; i++)
		if (strcmp(names[i], names[i - 1]) == 0) {
			snprintf(err, errcap, "two input slices would both be written as %s/mpd/%s",
			         o->outdir, names[i]);
			for (size_t j = 0; j < nfiles; j++)
				free(names[j]);
			free(names);
			return -1;
		}
	for (size_t i = 0; i < nfiles; i++)
		free(names[i]);
	free(names);
	if (snprintf(tmpdir, sizeof tmpdir, "%s/.mpd.tmp.XXXXXX", o->outdir) >= (int)sizeof tmpdir ||
	    snprintf(mpddir, sizeof mpddir, "%s/mpd", o->outdir) >= (int)sizeof mpddir ||
	    snprintf(cpath, sizeof cpath, "%s/challenge_set.json", o->outdir) >= (int)sizeof cpath ||
	    snprintf(tpath, sizeof tpath, "%s/truth.json", o->outdir) >= (int)sizeof tpath) {
		snprintf(err, errcap, "%s: path too long", o->outdir);
		return -1;
	}
	if (mkdir_p(o->outdir) != 0) {
		snprintf(err, errcap, "%s: cannot create folder: %s", o->outdir, strerror(errno));
		return -1;
	}
	if (mkdtemp(tmpdir) == NULL) {
		snprintf(err, errcap, "%s: cannot create a temporary folder: %s", o->outdir,
		         strerror(errno));
		return -1;
	}
	/* mkdtemp makes 0700; the slices folder is an ordinary one */
	mode_t mask = umask(0);
	umask(mask);
	chmod(tmpdir, 0777 & ~mask);
	ch = xcalloc(want + 1, sizeof *ch);
	for (size_t i = 0; i < nfiles; i++)
		if (split_slice(files[i], tmpdir, pid, category, P, ch, &nch, date, sizeof date, err,
		                errcap) != 0)
			goto out;
	if (nch != want) {
		snprintf(err, errcap, "%zu chosen playlists were found again in the slices, not %zu "
		         "(did a slice change between the two passes?)", nch, want);
		goto out;
	}
	qsort(ch, nch, sizeof *ch, by_category_pid);
	croot = json_object();
	cpl = json_array();
	tpl = json_array();
	for (size_t i = 0; i < nch; i++) {
		json_array_append_new(cpl, challenge_entry(&ch[i], o->seed));
		json_array_append(tpl, ch[i].pl);
	}
	snprintf(desc, sizeof desc, "local challenge set: mpd-parse make-challenge --per-category "
	         "%u --min-holdouts %u --seed %llu; categories 1-10 in the official order",
	         o->per_category, o->min_holdouts, (unsigned long long)o->seed);
	json_object_set_new(croot, "date", json_string(date));
	json_object_set_new(croot, "version", json_string("v1"));
	json_object_set_new(croot, "name", json_string("challenge_set"));
	json_object_set_new(croot, "description", json_string(desc));
	json_object_set_new(croot, "playlists", cpl);
	troot = json_object();
	info = json_object();
	json_object_set_new(info, "generated_on", json_string(date));
	json_object_set_new(info, "slice", json_string("truth"));
	json_object_set_new(info, "version", json_string("v1"));
	json_object_set_new(troot, "info", info);
	json_object_set_new(troot, "playlists", tpl);
	if (dump_atomic(croot, cpath, JSON_INDENT(2) | JSON_PRESERVE_ORDER, &caf, 0, err,
	                errcap) != 0)
		goto out;
	if (dump_atomic(troot, tpath, JSON_INDENT(2) | JSON_PRESERVE_ORDER, &taf, 0, err,
	                errcap) != 0) {
		atomic_abort(&caf);
		goto out;
	}
	if (swap_in(tmpdir, mpddir, err, errcap) != 0) {
		atomic_abort(&caf);
		atomic_abort(&taf);
		goto out;
	}
	tmpdir[0] = '\0';
	/* challenge_set.json last: its presence means the set is complete */
	if (atomic_commit(&taf) != 0) {
		snprintf(err, errcap, "%s: cannot write: %s", tpath, strerror(errno));
		atomic_abort(&caf);
		goto out;
	}
	if (atomic_commit(&caf) != 0) {
		snprintf(err, errcap, "%s: cannot write: %s", cpath, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (tmpdir[0] != '\0')
		rm_tree(tmpdir);
	for (size_t i = 0; i < nch; i++)
		json_decref(ch[i].pl);
	free(ch);
	if (croot)
		json_decref(croot);
	if (troot)
		json_decref(troot);
	return rc;
}
