/* mpd_reader.c — see mpd_reader.h.
 *
 * The parser is a small state machine over yajl's events.  Where a value is
 * not one the reader needs (the "info" object, unknown keys) it is skipped
 * by depth counting.  Errors found inside a playlist are kept until the
 * playlist's closing brace, so the message can name its pid even when
 * "pid" comes after "tracks" in the object. */
#define _POSIX_C_SOURCE 200809L
#include "mpd_reader.h"
#include "ids.h"
#include "msg.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>
#include <zlib.h>

enum state { S_ROOT, S_TOP, S_PLAYLISTS, S_PLAYLIST, S_TRACKS, S_TRACK, S_DONE };

/* Playlist fields; bit i of a mask means field i was seen. */
enum pfield { P_NAME, P_COLLAB, P_PID, P_MODIFIED, P_NTRACKS, P_NALBUMS, P_NFOLLOWERS,
              P_NEDITS, P_DURATION, P_NARTISTS, P_DESCRIPTION, P_TRACKS, P_NFIELDS };
enum tfield { T_POS, T_ARTIST, T_URI, T_ARTIST_URI, T_NAME, T_ALBUM_URI, T_DURATION, T_ALBUM,
              T_NFIELDS };
enum jtype { J_STRING, J_INT, J_ARRAY, J_STRING_OR_BOOL };

/* Key lengths are constants: the two reading threads share these tables. */
#define KEY(s) s, sizeof s - 1
static const struct { const char *key; size_t len; enum jtype type; int optional; }
pfields[P_NFIELDS] = {
	{ KEY("name"), J_STRING, 0 }, { KEY("collaborative"), J_STRING_OR_BOOL, 0 },
	{ KEY("pid"), J_INT, 0 }, { KEY("modified_at"), J_INT, 0 }, { KEY("num_tracks"), J_INT, 0 },
	{ KEY("num_albums"), J_INT, 0 }, { KEY("num_followers"), J_INT, 0 },
	{ KEY("num_edits"), J_INT, 0 }, { KEY("duration_ms"), J_INT, 0 },
	{ KEY("num_artists"), J_INT, 0 }, { KEY("description"), J_STRING, 1 },
	{ KEY("tracks"), J_ARRAY, 0 },
};
static const struct { const char *key; size_t len; enum jtype type; } tfields[T_NFIELDS] = {
	{ KEY("pos"), J_INT }, { KEY("artist_name"), J_STRING }, { KEY("track_uri"), J_STRING },
	{ KEY("artist_uri"), J_STRING }, { KEY("track_name"), J_STRING },
	{ KEY("album_uri"), J_STRING }, { KEY("duration_ms"), J_INT }, { KEY("album_name"), J_STRING },
};
#undef KEY

/* One track's strings live in the scratch arena as offsets (the arena may
 * move when it grows). */
struct raw_track {
	size_t id, artist_id, album_id, artist, name, album;   /* arena offsets */
	uint32_t duration_ms;
	unsigned seen;                                          /* tfield mask */
};

struct reader {
	const char *path;
	enum state state;
	int key;                    /* field index of the pending value, -1 unknown, -2 none */
	int skip_depth;             /* > 0 while skipping a nested value */
	int saw_playlists;
	/* the playlist being read */
	unsigned pseen;
	long long pid;
	unsigned long index;        /* position in the playlists array */
	char perr[400];             /* first error inside this playlist */
	struct raw_track *tracks;
	size_t n_tracks, cap_tracks;
	char *arena;
	size_t arena_len, arena_cap;
	struct mpd_track *out;      /* built for the callback */
	size_t cap_out;
	/* the caller */
	mpd_playlist_fn fn;
	void *ctx;
	char *err;
	size_t errcap;
	int failed;
};

static void perr(struct reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void perr(struct reader *r, const char *fmt, ...)
{
	va_list ap;

	if (r->perr[0] != '\0')
		return;                 /* keep the first */
	va_start(ap, fmt);
	vsnprintf(r->perr, sizeof r->perr, fmt, ap);
	va_end(ap);
}

static size_t arena_put(struct reader *r, const unsigned char *s, size_t n)
{
	size_t at = r->arena_len;

	if (r->arena_len + n + 1 > r->arena_cap) {
		while (r->arena_len + n + 1 > r->arena_cap)
			r->arena_cap = r->arena_cap ? 2 * r->arena_cap : 65536;
		r->arena = xrealloc(r->arena, r->arena_cap);
	}
	/* Copied as they are, but for NULs (from \u0000), which would end the
	 * C string early; other control characters are replaced by the store,
	 * once per unique track. */
	memcpy(r->arena + at, s, n);
	for (char *z = memchr(r->arena + at, '\0', n); z != NULL;
	     z = memchr(z + 1, '\0', (size_t)(r->arena + at + n - z - 1)))
		*z = ' ';
	r->arena[at + n] = '\0';
	r->arena_len += n + 1;
	return at;
}

static const char *type_name(enum jtype t)
{
	switch (t) {
	case J_STRING: return "a string";
	case J_INT: return "an integer";
	case J_ARRAY: return "an array";
	case J_STRING_OR_BOOL: return "a string or boolean";
	}
	return "?";
}

static struct raw_track *cur_track(struct reader *r)
{
	return &r->tracks[r->n_tracks - 1];
}

/* A value of JSON type `got` arrived for the pending key; 1 if it is the
 * expected type (and the field is marked seen), 0 otherwise. */
static int accept(struct reader *r, enum jtype got, int is_bool)
{
	enum jtype want;

	if (r->state == S_PLAYLIST) {
		want = pfields[r->key].type;
		if (want == got || (want == J_STRING_OR_BOOL && (got == J_STRING || is_bool))) {
			r->pseen |= 1u << r->key;
			return 1;
		}
		perr(r, "field '%s' must be %s", pfields[r->key].key, type_name(want));
		return 0;
	}
	want = tfields[r->key].type;
	if (want == got) {
		cur_track(r)->seen |= 1u << r->key;
		return 1;
	}
	perr(r, "track %zu: field '%s' must be %s", r->n_tracks - 1, tfields[r->key].key,
	     type_name(want));
	return 0;
}

/* Called for every value; returns 1 when the value is to be skipped. */
static int skipping(struct reader *r, int opens, int closes)
{
	if (r->skip_depth > 0) {
		r->skip_depth += opens - closes;
		return 1;
	}
	if (r->key == -1) {             /* a value of an unknown key */
		r->key = -2;
		r->skip_depth = opens;
		return 1;
	}
	return 0;
}

static int fail_structure(struct reader *r, const char *what);

/* A scalar outside a playlist or track object. */
static int unexpected(struct reader *r)
{
	switch (r->state) {
	case S_TOP:
		return fail_structure(r, "'playlists' must be an array");
	case S_PLAYLISTS:
		return fail_structure(r, "the 'playlists' array must hold objects");
	case S_TRACKS:
		perr(r, "'tracks' must hold objects");
		return 1;
	default:
		return fail_structure(r, "the top level must be an object with a 'playlists' array");
	}
}

static int cb_null(void *ctx)
{
	struct reader *r = ctx;

	if (skipping(r, 0, 0))
		return 1;
	if (r->state != S_PLAYLIST && r->state != S_TRACK)
		return unexpected(r);
	if (r->key >= 0)
		accept(r, (enum jtype)-1, 0);
	r->key = -2;
	return 1;
}

static int cb_bool(void *ctx, int b)
{
	struct reader *r = ctx;

	(void)b;
	if (skipping(r, 0, 0))
		return 1;
	if (r->state != S_PLAYLIST && r->state != S_TRACK)
		return unexpected(r);
	if ((r->state == S_PLAYLIST || r->state == S_TRACK) && r->key >= 0)
		accept(r, (enum jtype)-1, 1);
	r->key = -2;
	return 1;
}

static int cb_integer(void *ctx, long long v)
{
	struct reader *r = ctx;

	if (skipping(r, 0, 0))
		return 1;
	if (r->state != S_PLAYLIST && r->state != S_TRACK)
		return unexpected(r);
	if (r->state == S_PLAYLIST && r->key >= 0) {
		if (accept(r, J_INT, 0) && r->key == P_PID) {
			if (v < 0 || v >= UINT32_MAX)
				perr(r, "pid %lld is out of range", v);
			r->pid = v;
		}
	} else if (r->state == S_TRACK && r->key >= 0) {
		if (accept(r, J_INT, 0) && r->key == T_DURATION) {
			if (v < 0 || v > UINT32_MAX)
				perr(r, "track %zu: duration_ms %lld is out of range", r->n_tracks - 1, v);
			cur_track(r)->duration_ms = (uint32_t)v;
		}
	}
	r->key = -2;
	return 1;
}

static int cb_double(void *ctx, double v)
{
	struct reader *r = ctx;

	(void)v;
	if (skipping(r, 0, 0))
		return 1;
	if (r->state != S_PLAYLIST && r->state != S_TRACK)
		return unexpected(r);
	if ((r->state == S_PLAYLIST || r->state == S_TRACK) && r->key >= 0)
		accept(r, (enum jtype)-1, 0);
	r->key = -2;
	return 1;
}

/* "spotify:KIND:ID" → ID's arena offset (prefix = "spotify:KIND:"). */
static int uri_field(struct reader *r, const unsigned char *s, size_t n, const char *prefix,
                     size_t plen, size_t *out)
{
	if (n <= plen || memcmp(s, prefix, plen) != 0)
		return -1;
	*out = arena_put(r, s + plen, n - plen);
	return 0;
}

#define URI_PREFIX(kind) "spotify:" kind ":", sizeof "spotify:" kind ":" - 1

/* At most 60 bytes of s for a message, with anything unprintable (hostile
 * input may hold terminal escapes) shown as '?'. */
static const char *printable(const unsigned char *s, size_t n, char out[64])
{
	size_t i;

	for (i = 0; i < n && i < 60; i++)
		out[i] = (s[i] < 0x20 || s[i] == 0x7f) ? '?' : (char)s[i];
	out[i] = '\0';
	return out;
}

static int cb_string(void *ctx, const unsigned char *s, size_t n)
{
	struct reader *r = ctx;
	struct raw_track *t;
	char quoted[64];

	if (skipping(r, 0, 0))
		return 1;
	if (r->state == S_PLAYLIST && r->key >= 0) {
		accept(r, J_STRING, 0);
	} else if (r->state == S_TRACK && r->key >= 0 && accept(r, J_STRING, 0)) {
		t = cur_track(r);
		switch (r->key) {
		case T_URI:
			if (uri_field(r, s, n, URI_PREFIX("track"), &t->id) != 0 || !track_id_valid(r->arena + t->id))
				perr(r, "track %zu: track_uri '%s' is not spotify:track: followed by "
				     "22 base62 characters", r->n_tracks - 1, printable(s, n, quoted));
			break;
		case T_ARTIST_URI:
			if (uri_field(r, s, n, URI_PREFIX("artist"), &t->artist_id) != 0)
				perr(r, "track %zu: artist_uri '%s' is not spotify:artist:ID",
				     r->n_tracks - 1, printable(s, n, quoted));
			break;
		case T_ALBUM_URI:
			if (uri_field(r, s, n, URI_PREFIX("album"), &t->album_id) != 0)
				perr(r, "track %zu: album_uri '%s' is not spotify:album:ID",
				     r->n_tracks - 1, printable(s, n, quoted));
			break;
		case T_ARTIST: t->artist = arena_put(r, s, n); break;
		case T_NAME: t->name = arena_put(r, s, n); break;
		case T_ALBUM: t->album = arena_put(r, s, n); break;
		}
	} else if (r->state != S_PLAYLIST && r->state != S_TRACK) {
		return unexpected(r);
	}
	r->key = -2;
	return 1;
}

/* Field lookup by length first: called for every key in the file. */
static int find_key(const unsigned char *s, size_t n, int is_track)
{
	if (is_track) {
		for (int i = 0; i < T_NFIELDS; i++)
			if (tfields[i].len == n && memcmp(s, tfields[i].key, n) == 0)
				return i;
	} else {
		for (int i = 0; i < P_NFIELDS; i++)
			if (pfields[i].len == n && memcmp(s, pfields[i].key, n) == 0)
				return i;
	}
	return -1;
}

static int cb_map_key(void *ctx, const unsigned char *s, size_t n)
{
	struct reader *r = ctx;

	if (r->skip_depth > 0)
		return 1;
	r->key = -1;
	if (r->state == S_TOP) {
		if (n == 9 && memcmp(s, "playlists", 9) == 0)
			r->key = 0;
	} else if (r->state == S_PLAYLIST) {
		r->key = find_key(s, n, 0);
	} else if (r->state == S_TRACK) {
		r->key = find_key(s, n, 1);
	}
	return 1;
}

static int fail_structure(struct reader *r, const char *what)
{
	snprintf(r->err, r->errcap, "%s: %s", r->path, what);
	r->failed = 1;
	return 0;
}

static int cb_start_map(void *ctx)
{
	struct reader *r = ctx;

	if (skipping(r, 1, 0))
		return 1;
	switch (r->state) {
	case S_ROOT:
		r->state = S_TOP;
		break;
	case S_PLAYLISTS:
		r->state = S_PLAYLIST;
		r->pseen = 0;
		r->pid = -1;
		r->perr[0] = '\0';
		r->n_tracks = 0;
		r->arena_len = 0;
		break;
	case S_TRACKS:
		if (r->n_tracks == r->cap_tracks) {
			r->cap_tracks = r->cap_tracks ? 2 * r->cap_tracks : 256;
			r->tracks = xrealloc(r->tracks, r->cap_tracks * sizeof *r->tracks);
		}
		memset(&r->tracks[r->n_tracks++], 0, sizeof *r->tracks);
		r->state = S_TRACK;
		break;
	case S_TOP:
		return fail_structure(r, "'playlists' must be an array");
	case S_PLAYLIST:
	case S_TRACK:
		if (r->key >= 0)
			accept(r, (enum jtype)-1, 0);
		r->key = -2;
		r->skip_depth = 1;          /* an object where a scalar belongs */
		break;
	default:
		return fail_structure(r, "the top level must be an object with a 'playlists' array");
	}
	r->key = -2;
	return 1;
}

static int playlist_done(struct reader *r)
{
	char where[64];

	if (r->pseen & (1u << P_PID))
		snprintf(where, sizeof where, "pid %lld", r->pid);
	else
		snprintf(where, sizeof where, "playlist #%lu (no pid)", r->index);
	for (int i = 0; i < P_NFIELDS && r->perr[0] == '\0'; i++)
		if (!pfields[i].optional && !(r->pseen & (1u << i)))
			perr(r, "missing field '%s'", pfields[i].key);
	for (size_t k = 0; k < r->n_tracks && r->perr[0] == '\0'; k++)
		for (int i = 0; i < T_NFIELDS; i++)
			if (!(r->tracks[k].seen & (1u << i))) {
				perr(r, "track %zu: missing field '%s'", k, tfields[i].key);
				break;
			}
	if (r->perr[0] != '\0') {
		snprintf(r->err, r->errcap, "%s: %s: %s", r->path, where, r->perr);
		r->failed = 1;
		return 0;
	}
	if (r->n_tracks > r->cap_out) {
		r->cap_out = r->cap_tracks;
		r->out = xrealloc(r->out, r->cap_out * sizeof *r->out);
	}
	for (size_t k = 0; k < r->n_tracks; k++) {
		const struct raw_track *t = &r->tracks[k];
		r->out[k] = (struct mpd_track){ r->arena + t->id, r->arena + t->artist_id,
			r->arena + t->album_id, r->arena + t->artist, r->arena + t->name,
			r->arena + t->album, t->duration_ms };
	}
	struct mpd_playlist pl = { (uint32_t)r->pid, (uint32_t)r->n_tracks, r->out };
	if (r->fn(r->ctx, &pl, r->err, r->errcap) != 0) {
		r->failed = 1;
		return 0;
	}
	r->index++;
	return 1;
}

static int cb_end_map(void *ctx)
{
	struct reader *r = ctx;

	if (skipping(r, 0, 1))
		return 1;
	switch (r->state) {
	case S_TOP:
		r->state = S_DONE;
		if (!r->saw_playlists)
			return fail_structure(r, "no 'playlists' array in the top-level object");
		break;
	case S_PLAYLIST:
		r->state = S_PLAYLISTS;
		return playlist_done(r);
	case S_TRACK:
		r->state = S_TRACKS;
		break;
	default:
		break;
	}
	return 1;
}

static int cb_start_array(void *ctx)
{
	struct reader *r = ctx;

	if (skipping(r, 1, 0))
		return 1;
	if (r->state == S_TOP && r->key == 0) {
		if (r->saw_playlists)
			return fail_structure(r, "more than one 'playlists' array");
		r->state = S_PLAYLISTS;
		r->saw_playlists = 1;
	} else if (r->state == S_PLAYLIST && r->key >= 0) {
		if (accept(r, J_ARRAY, 0) && r->key == P_TRACKS) {
			r->state = S_TRACKS;
			r->n_tracks = 0;        /* a repeated key: the last one counts, as in JSON readers */
			r->arena_len = 0;
		}
		else
			r->skip_depth = 1;
	} else if (r->state == S_TRACK && r->key >= 0) {
		accept(r, J_ARRAY, 0);
		r->skip_depth = 1;
	} else if (r->state == S_ROOT) {
		return fail_structure(r, "the top level must be an object with a 'playlists' array");
	} else if (r->state == S_PLAYLISTS) {
		return fail_structure(r, "the 'playlists' array must hold objects");
	} else if (r->state == S_TRACKS) {
		perr(r, "'tracks' must hold objects");
		r->skip_depth = 1;
	} else {
		r->skip_depth = 1;
	}
	r->key = -2;
	return 1;
}

static int cb_end_array(void *ctx)
{
	struct reader *r = ctx;

	if (skipping(r, 0, 1))
		return 1;
	if (r->state == S_TRACKS)
		r->state = S_PLAYLIST;
	else if (r->state == S_PLAYLISTS)
		r->state = S_TOP;
	return 1;
}

static const yajl_callbacks callbacks = {
	cb_null, cb_bool, cb_integer, cb_double, NULL, cb_string,
	cb_start_map, cb_map_key, cb_end_map, cb_start_array, cb_end_array,
};

/* Line and column of byte offset `at` of the (decompressed) file: counted
 * only when an error is reported, by reading the file again. */
static void locate(const char *path, unsigned long long at, unsigned long *line, size_t *col)
{
	unsigned char buf[65536];
	unsigned long long pos = 0, line_start = 0;
	gzFile gz = gzopen(path, "rb");
	int n;

	*line = 1;
	while (gz != NULL && pos < at && (n = gzread(gz, buf, sizeof buf)) > 0) {
		for (int i = 0; i < n && pos < at; i++, pos++)
			if (buf[i] == '\n') {
				(*line)++;
				line_start = pos + 1;
			}
	}
	if (gz != NULL)
		gzclose_r(gz);
	*col = (size_t)(at - line_start) + 1;
}

/* Driving the parser ------------------------------------------------------ */

#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
/* `make fuzz`: small pieces put piece boundaries inside the small inputs,
 * and 4 MiB of buffers per input (gzbuffer's are 3) would be most of a
 * run under AddressSanitizer. */
enum { CHUNK = 1 << 12 };
#else
enum { CHUNK = 1 << 20 };
#endif

struct parse {
	struct reader r;
	yajl_handle h;
	unsigned long long offset;  /* bytes fed so far */
	/* Standard input cannot be read twice to locate an error, so its
	 * lines are counted as it goes. */
	int from_stdin;
	unsigned long lines;        /* newlines fed so far */
	unsigned long long line_start;  /* offset of the current line */
};

/* Counts the newlines of buf[0, n) fed at offset base. */
static void count_lines(struct parse *p, const unsigned char *buf, size_t n,
                        unsigned long long base)
{
	for (const unsigned char *q = buf; (q = memchr(q, '\n', (size_t)(buf + n - q))) != NULL; q++) {
		p->lines++;
		p->line_start = base + (unsigned long long)(q - buf) + 1;
	}
}

/* Line and column of byte offset `at`, already fed or being fed in buf. */
static void where(struct parse *p, const unsigned char *buf, unsigned long long at,
                  unsigned long *line, size_t *col)
{
	if (!p->from_stdin) {
		locate(p->r.path, at, line, col);
		return;
	}
	if (buf != NULL && at > p->offset)
		count_lines(p, buf, (size_t)(at - p->offset), p->offset);
	*line = p->lines + 1;
	*col = (size_t)(at - p->line_start) + 1;
}

static void parse_init(struct parse *p, const char *path, mpd_playlist_fn fn, void *ctx,
                       char *err, size_t errcap)
{
	memset(p, 0, sizeof *p);
	p->r.path = path;
	p->r.key = -2;
	p->r.fn = fn;
	p->r.ctx = ctx;
	p->r.err = err;
	p->r.errcap = errcap;
	err[0] = '\0';
	p->from_stdin = strcmp(path, "-") == 0;
	if (p->from_stdin)
		p->r.path = "(standard input)";
	p->h = yajl_alloc(&callbacks, NULL, &p->r);
}

static void parse_free(struct parse *p)
{
	yajl_free(p->h);
	free(p->r.tracks);
	free(p->r.arena);
	free(p->r.out);
}

/* -1 with the error reported (syntax errors located in the file). */
static int parse_feed(struct parse *p, const unsigned char *buf, size_t n)
{
	yajl_status st = yajl_parse(p->h, buf, n);

	if (st != yajl_status_ok) {
		if (!p->r.failed) {
			size_t at = yajl_get_bytes_consumed(p->h), col;
			unsigned long line;
			unsigned char *msg = yajl_get_error(p->h, 0, buf, n);
			size_t len = strlen((const char *)msg);
			while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
				msg[--len] = '\0';
			/* yajl counts the offending byte as consumed, except for a number
			 * too large, where it points at the number's first byte. */
			if (at > 0 && strstr((const char *)msg, "overflow") == NULL)
				at--;
			where(p, buf, p->offset + at, &line, &col);
			snprintf(p->r.err, p->r.errcap, "%s: invalid JSON at line %lu, column %zu "
			         "(byte %llu): %s", p->r.path, line, col, p->offset + at, (const char *)msg);
			yajl_free_error(p->h, msg);
			p->r.failed = 1;
		}
		return -1;
	}
	if (p->from_stdin)
		count_lines(p, buf, n, p->offset);
	p->offset += n;
	return 0;
}

static int parse_complete(struct parse *p)
{
	const char *path = p->r.path;

	if (p->offset == 0) {
		snprintf(p->r.err, p->r.errcap, "%s: empty file", path);
		return -1;
	}
	if (yajl_complete_parse(p->h) != yajl_status_ok) {
		if (!p->r.failed) {
			unsigned long line;
			size_t col;
			where(p, NULL, p->offset, &line, &col);
			snprintf(p->r.err, p->r.errcap, "%s: truncated JSON: the document ends early at "
			         "line %lu (byte %llu)", path, line, p->offset);
		}
		return -1;
	}
	if (p->r.state != S_DONE) {
		snprintf(p->r.err, p->r.errcap, "%s: no 'playlists' array in the top-level object", path);
		return -1;
	}
	return 0;
}

int mpd_read_file(const char *path, mpd_playlist_fn fn, void *ctx, char *err, size_t errcap)
{
	struct parse p;
	unsigned char *buf;
	gzFile gz;
	int rc = -1, n;
	const char *name = strcmp(path, "-") == 0 ? "(standard input)" : path;

	gz = strcmp(path, "-") == 0 ? gzdopen(dup(STDIN_FILENO), "rb") : gzopen(path, "rb");
	if (gz == NULL) {
		snprintf(err, errcap, "%s: cannot open: %s", name, errno ? strerror(errno) : "out of memory");
		return -1;
	}
	gzbuffer(gz, CHUNK);
	parse_init(&p, path, fn, ctx, err, errcap);
	buf = xmalloc(CHUNK);
	while ((n = gzread(gz, buf, CHUNK)) > 0)
		if (parse_feed(&p, buf, (size_t)n) != 0)
			goto out;
	if (n < 0) {
		int zerr;
		const char *msg = gzerror(gz, &zerr), *colon = strrchr(msg, ':');

		/* zlib's message starts with the path; keep only its reason */
		if (zerr != Z_ERRNO && colon != NULL && colon[1] == ' ')
			msg = colon + 2;
		snprintf(err, errcap, "%s: %s after %llu bytes of JSON: %s", name,
		         zerr == Z_ERRNO ? "read error" : "gzip error", p.offset,
		         zerr == Z_ERRNO ? strerror(errno) : msg);
		goto out;
	}
	{
		int zerr;
		gzerror(gz, &zerr);
		if (zerr == Z_BUF_ERROR) {
			snprintf(err, errcap, "%s: truncated gzip stream (after %llu bytes of JSON)", name,
			         p.offset);
			goto out;
		}
	}
	rc = parse_complete(&p);
out:
	{
		int zrc = gzclose_r(gz);
		if (rc == 0 && zrc != Z_OK) {
			snprintf(err, errcap, "%s: %s", name, zrc == Z_BUF_ERROR ?
			         "truncated gzip stream" : "gzip error");
			rc = -1;
		}
	}
	parse_free(&p);
	free(buf);
	return rc;
}

/* Reading one file on two threads ------------------------------------------
 *
 * The second thread starts at a guessed playlist boundary X near the middle
 * (a '{' that follows "}," and opens an object whose first key is "name")
 * and parses  {"playlists":[  + file[X..end]  as a document of its own.  The
 * calling thread parses file[0..X) and then feeds the single byte at X: only
 * if that byte opens a new playlist object in its parser was the guess a
 * real boundary.  Then the second thread's playlists are used; otherwise
 * (or if the second half had any error) the calling thread simply goes on
 * reading the rest, so results and error messages are exactly those of a
 * sequential read. */

struct half {
	struct parse p;
	int fd;
	off_t start, size;
	atomic_int cancel;
	int ok;
	char err[1024];
};

static void *second_half(void *arg)
{
	static const unsigned char prefix[] = "{\"playlists\":[";
	struct half *b = arg;
	unsigned char *buf = xmalloc(CHUNK);
	off_t pos = b->start;

	b->ok = 0;
	if (parse_feed(&b->p, prefix, sizeof prefix - 1) != 0)
		goto out;
	while (pos < b->size && !b->cancel) {
		size_t want = (size_t)(b->size - pos < CHUNK ? b->size - pos : CHUNK);
		ssize_t n = pread(b->fd, buf, want, pos);
		if (n <= 0 || parse_feed(&b->p, buf, (size_t)n) != 0)
			goto out;
		pos += n;
	}
	if (!b->cancel && parse_complete(&b->p) == 0)
		b->ok = 1;
out:
	free(buf);
	return NULL;
}

static int is_ws(unsigned char c)
{
	return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

/* Offset of a likely playlist boundary in buf (file offset base), or -1. */
static off_t guess_boundary(const unsigned char *buf, size_t n, off_t base)
{
	for (size_t i = 0; i + 1 < n; i++) {
		if (buf[i] != '}')
			continue;
		size_t j = i + 1;
		while (j < n && is_ws(buf[j]))
			j++;
		if (j >= n || buf[j] != ',')
			continue;
		j++;
		while (j < n && is_ws(buf[j]))
			j++;
		if (j >= n || buf[j] != '{')
			continue;
		size_t k = j + 1;
		while (k < n && is_ws(buf[k]))
			k++;
		if (k + 6 <= n && memcmp(buf + k, "\"name\"", 6) == 0)
			return base + (off_t)j;
	}
	return -1;
}

/* The next piece to feed from pos, ending at the next multiple of CHUNK or
 * at end: the parser then sees the buffer boundaries of mpd_read_file()
 * (plus the single-character cuts at the boundary guess, which no token
 * spans), so its error messages are the same. */
static size_t aligned_piece(off_t pos, off_t end)
{
	off_t next = (pos / CHUNK + 1) * CHUNK;

	return (size_t)((next < end ? next : end) - pos);
}

int mpd_read_file_split(const char *path, mpd_playlist_fn fn, void *ctx, mpd_playlist_fn fn2,
                        void *ctx2, int *used_second, char *err, size_t errcap)
{
	struct stat st;
	struct half *b;
	struct parse a;
	pthread_t tid;
	unsigned char *buf;
	off_t x, pos = 0;
	int fd, rc = -1, verified = 0, gzip_magic = 0;
	unsigned char magic[2];

	*used_second = 0;
	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st) != 0) {
		if (fd >= 0)
			close(fd);
		return mpd_read_file(path, fn, ctx, err, errcap);
	}
	if (pread(fd, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b)
		gzip_magic = 1;
	if (gzip_magic || st.st_size < (off_t)4 * CHUNK) {
		close(fd);
		return mpd_read_file(path, fn, ctx, err, errcap);
	}
	buf = xmalloc(CHUNK);
	{
		ssize_t n = pread(fd, buf, CHUNK, st.st_size / 2);
		x = n > 0 ? guess_boundary(buf, (size_t)n, st.st_size / 2) : -1;
	}
	if (x < 0) {
		free(buf);
		close(fd);
		return mpd_read_file(path, fn, ctx, err, errcap);
	}
	b = xcalloc(1, sizeof *b);
	b->fd = fd;
	b->start = x;
	b->size = st.st_size;
	parse_init(&b->p, path, fn2, ctx2, b->err, sizeof b->err);
	if (pthread_create(&tid, NULL, second_half, b) != 0) {
		parse_free(&b->p);
		free(b);
		free(buf);
		close(fd);
		return mpd_read_file(path, fn, ctx, err, errcap);
	}
	parse_init(&a, path, fn, ctx, err, errcap);
	while (pos < x) {
		size_t want = aligned_piece(pos, x);
		ssize_t n = pread(fd, buf, want, pos);
		if (n <= 0) {
			snprintf(err, errcap, "%s: read error at byte %lld: %s", path, (long long)pos,
			         n < 0 ? strerror(errno) : "file shrank while reading");
			goto fail;
		}
		if (parse_feed(&a, buf, (size_t)n) != 0)
			goto fail;
		pos += n;
	}
	if (a.r.state == S_PLAYLISTS && a.r.skip_depth == 0) {
		unsigned char brace = '{';
		if (parse_feed(&a, &brace, 1) != 0)
			goto fail;
		pos++;
		verified = a.r.state == S_PLAYLIST;
	}
	if (!verified)
		b->cancel = 1;
	pthread_join(tid, NULL);
	if (verified && b->ok) {
		*used_second = 1;
		rc = 0;
		goto out;
	}
	/* Sequential from here: the guess was wrong or the second half failed
	 * (then this thread reaches the same error and reports it precisely). */
	while (pos < st.st_size) {
		size_t want = aligned_piece(pos, st.st_size);
		ssize_t n = pread(fd, buf, want, pos);
		if (n <= 0) {
			snprintf(err, errcap, "%s: read error at byte %lld", path, (long long)pos);
			goto out;
		}
		if (parse_feed(&a, buf, (size_t)n) != 0)
			goto out;
		pos += n;
	}
	rc = parse_complete(&a);
	goto out;
fail:
	b->cancel = 1;
	pthread_join(tid, NULL);
out:
	parse_free(&a);
	parse_free(&b->p);
	free(b);
	free(buf);
	close(fd);
	return rc;
}
