/* fuzz_challenge.c — the RecSys Challenge JSON readers (common/challenge.c):
 * every input goes through challenge_read (challenge_set.json) and
 * mpdjson_read (truth.json and other MPD-format files read whole), plain
 * or gzip.  What a reader accepts must satisfy every promise of
 * challenge.h, which this harness walks: pids unique and indexed in order,
 * the counts adding up, positions distinct and below num_tracks, the
 * category matching the seeds, track ids those of their URIs. */
#include "fuzz.h"
#include "challenge.h"
#include "ids.h"

static void check_track(const struct ch_track *t)
{
	const char *id = track_id_from_uri(t->track_uri);

	if (strlen(t->id) != TRACK_ID_LEN || id == NULL || memcmp(id, t->id, TRACK_ID_LEN) != 0)
		abort();
	if (t->artist_uri == NULL || t->album_uri == NULL || t->artist == NULL ||
	    t->name == NULL || t->album == NULL)
		abort();
}

/* by_pid: a permutation of 0..n-1 with strictly increasing pids; find()
 * returns each playlist by its pid, and NULL for a pid not there. */
static void check_index(const struct ch_playlist *pl, const uint32_t *by_pid, size_t n,
                        const struct ch_playlist *(*find)(const void *, uint32_t),
                        const void *set)
{
	uint8_t *seen = calloc(n + 1, 1);

	if (seen == NULL)
		abort();
	for (size_t i = 0; i < n; i++) {
		if (by_pid[i] >= n || seen[by_pid[i]])
			abort();
		seen[by_pid[i]] = 1;
		if (i > 0 && pl[by_pid[i]].pid <= pl[by_pid[i - 1]].pid)
			abort();
		if (pl[i].pid == UINT32_MAX || find(set, pl[i].pid) != &pl[i])
			abort();
		if (pl[i].name == NULL || (!pl[i].titled && pl[i].name[0] != '\0'))
			abort();
		if (pl[i].n_tracks > 0 && pl[i].tracks == NULL)
			abort();
	}
	/* a pid between two neighbours, or past the last, is not found */
	for (size_t i = 0; i < n; i++) {
		uint32_t p = pl[by_pid[i]].pid + 1;
		int there = i + 1 < n && pl[by_pid[i + 1]].pid == p;
		if (p != UINT32_MAX && !there && find(set, p) != NULL)
			abort();
	}
	free(seen);
}

static const struct ch_playlist *find_ch(const void *c, uint32_t pid)
{
	return challenge_find(c, pid);
}

static const struct ch_playlist *find_mpd(const void *m, uint32_t pid)
{
	return mpdjson_find(m, pid);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

static void check_challenge(const struct challenge *c)
{
	check_index(c->pl, c->by_pid, c->n, find_ch, c);
	for (size_t i = 0; i < c->n; i++) {
		const struct ch_playlist *p = &c->pl[i];
		if (p->category < 1 || p->category > CH_CATEGORIES)
			abort();
		const struct ch_category *k = &ch_categories[p->category];
		if (p->n_tracks != p->num_samples || k->seeds != p->num_samples ||
		    k->titled != p->titled)
			abort();
		if ((uint64_t)p->num_samples + p->num_holdouts != p->num_tracks ||
		    p->num_holdouts == 0)
			abort();
		uint32_t *pos = malloc((p->n_tracks + 1) * sizeof *pos);
		if (pos == NULL)
			abort();
		int prefix = 1;
		for (size_t t = 0; t < p->n_tracks; t++) {
			check_track(&p->tracks[t]);
			pos[t] = p->tracks[t].pos;
			if (pos[t] >= p->num_tracks)
				abort();
			prefix &= pos[t] == t;
		}
		/* the first-k categories hold the first positions */
		if (!k->random && !prefix)
			abort();
		if (challenge_category(p->num_samples, p->titled, pos) != p->category)
			abort();
		qsort(pos, p->n_tracks, sizeof *pos, cmp_u32);
		for (size_t t = 1; t < p->n_tracks; t++)
			if (pos[t] == pos[t - 1])
				abort();
		free(pos);
	}
}

static void check_mpdjson(const struct mpdjson *m)
{
	check_index(m->pl, m->by_pid, m->n, find_mpd, m);
	for (size_t i = 0; i < m->n; i++) {
		const struct ch_playlist *p = &m->pl[i];
		if (p->category != 0)
			abort();
		for (size_t t = 0; t < p->n_tracks; t++) {
			check_track(&p->tracks[t]);
			if (p->tracks[t].pos != t)
				abort();
		}
	}
}

static void run(const char *path)
{
	struct challenge c;
	struct mpdjson m;
	char err[1024] = "";

	if (challenge_read(path, &c, err, sizeof err) == 0) {
		check_challenge(&c);
		challenge_free(&c);
	} else if (c.pl != NULL || c.root != NULL || err[0] == '\0') {
		abort();            /* a refusal leaves nothing to free, and says why */
	} else {
		fprintf(stderr, "challenge_read: %s\n", err);   /* DCUE_FUZZ_VERBOSE */
	}
	err[0] = '\0';
	if (mpdjson_read(path, &m, err, sizeof err) == 0) {
		check_mpdjson(&m);
		mpdjson_free(&m);
	} else if (m.pl != NULL || m.root != NULL || err[0] == '\0') {
		abort();
	} else {
		fprintf(stderr, "mpdjson_read: %s\n", err);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_quiet();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run(fuzz_file(0, data, size));
	return 0;
}
