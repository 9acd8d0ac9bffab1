/* fetch.c — see fetch.h. */
#define _POSIX_C_SOURCE 200809L
#include "fetch.h"
#include "atomic.h"
#include "match.h"
#include "msg.h"
#include "progress.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int fetch_init(struct fetch_ctx *f, const struct fetch_config *cfg, struct ratelimit *rl,
               double connect_timeout, double timeout, int reuse, uint64_t seed)
{
	memset(f, 0, sizeof *f);
	f->cfg = *cfg;
	f->rl = rl;
	if (http_init(&f->http, connect_timeout, timeout, reuse) != 0) {
		warnx("cannot set up libcurl: %s", f->http.errbuf);
		return -1;
	}
	http_buf_init(&f->json, cfg->max_json);
	http_buf_init(&f->mp3, cfg->max_mp3);
	rng_seed(&f->rng, seed);
	return 0;
}

void fetch_free(struct fetch_ctx *f)
{
	http_free(&f->http);
	http_buf_free(&f->json);
	http_buf_free(&f->mp3);
}

const char *fetch_class_name(enum fetch_class c, long status, char *buf, size_t cap)
{
	static const char *const names[] = {
		"ok", "not_found", "no_preview", "quota", "http", "network", "bad_response",
		"too_large", "invalid_id",
	};

	if (c == FETCH_HTTP)
		snprintf(buf, cap, "http_%03ld", status);
	else
		snprintf(buf, cap, "%s", names[c]);
	return buf;
}

static enum fetch_class set_outcome(struct fetch_outcome *o, enum fetch_class c, long status,
                                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static enum fetch_class set_outcome(struct fetch_outcome *o, enum fetch_class c, long status,
                                    const char *fmt, ...)
{
	va_list ap;

	o->cls = c;
	o->status = status;
	fetch_class_name(c, status, o->reason, sizeof o->reason);
	va_start(ap, fmt);
	vsnprintf(o->message, sizeof o->message, fmt, ap);
	va_end(ap);
	return c;
}

int fetch_parse_search(const char *body, size_t len, json_t **data, int *api_code,
                       char *msg, size_t cap)
{
	json_error_t err;
	json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
	json_t *e, *d;

	*data = NULL;
	*api_code = 0;
	if (root == NULL) {
		snprintf(msg, cap, "response is not JSON (%s at byte %d)", err.text, err.position);
		return -1;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		snprintf(msg, cap, "response is not a JSON object");
		return -1;
	}
	e = json_object_get(root, "error");
	if (e != NULL) {
		json_t *code = json_object_get(e, "code");
		json_t *m = json_object_get(e, "message");
		if (!json_is_object(e) || !json_is_integer(code)) {
			json_decref(root);
			snprintf(msg, cap, "malformed error object");
			return -1;
		}
		json_int_t v = json_integer_value(code);
		*api_code = v >= 0 && v <= 100000 ? (int)v : -1;   /* never mistaken for a known code */
		snprintf(msg, cap, "API error %d: %s", *api_code,
		         json_is_string(m) ? json_string_value(m) : "(no message)");
		json_decref(root);
		return 1;
	}
	d = json_object_get(root, "data");
	if (!json_is_array(d)) {
		json_decref(root);
		snprintf(msg, cap, "response has no \"data\" array");
		return -1;
	}
	*data = json_incref(d);
	json_decref(root);
	return 0;
}

int fetch_is_mp3(const unsigned char *p, size_t n)
{
	if (n >= 10 && memcmp(p, "ID3", 3) == 0)
		return p[3] >= 2 && p[3] <= 4 && p[4] != 0xff &&
		       !((p[6] | p[7] | p[8] | p[9]) & 0x80);
	if (n < 4 || p[0] != 0xff || (p[1] & 0xe0) != 0xe0)
		return 0;
	return ((p[1] >> 3) & 3) != 1 &&        /* MPEG version: not reserved */
	       ((p[1] >> 1) & 3) != 0 &&        /* layer: not reserved */
	       (p[2] >> 4) != 15 &&             /* bitrate index: not bad */
	       ((p[2] >> 2) & 3) != 3;          /* sampling rate: not reserved */
}

static void sleep_seconds(double s)
{
	struct timespec ts;

	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Exponential backoff with "equal jitter": half fixed, half random. */
static double backoff_delay(struct fetch_ctx *f, int attempt)
{
	double d = f->cfg.backoff * ldexp(1.0, attempt < 30 ? attempt : 30);

	if (d > f->cfg.max_backoff)
		d = f->cfg.max_backoff;
	return d * (0.5 + 0.5 * rng_double(&f->rng));
}

/* Decides whether to try again after a transient fault; says so and
 * sleeps if so. */
static int retry_after(struct fetch_ctx *f, int attempt, double start, double wait,
                       const struct fetch_outcome *o)
{
	if (attempt >= f->cfg.retries || now_seconds() - start + wait > f->cfg.max_retry_time)
		return 0;
	f->st.retries++;
	warnx("%s: %s: %s; retry %d of %d in %.2f s", f->id, o->reason, o->message, attempt + 1,
	      f->cfg.retries, wait);
	sleep_seconds(wait);
	return 1;
}

/* A server's Retry-After (429, 503) lengthens the wait, up to the backoff cap. */
static double honour_retry_after(struct fetch_ctx *f, double wait, const struct http_response *r)
{
	double ra = r->retry_after < f->cfg.max_backoff ? r->retry_after : f->cfg.max_backoff;

	return wait > ra ? wait : ra;
}

static char *make_url(const char *base, const char *path, const char *arg)
{
	size_t n = strlen(base) + strlen(path) + strlen(arg) + 1;
	char *url = xmalloc(n);

	snprintf(url, n, "%s%s%s", base, path, arg);
	return url;
}

/* One search with retries.  FETCH_OK with *data set, or the failure. */
static enum fetch_class api_search(struct fetch_ctx *f, const char *query, json_t **data,
                                   struct fetch_outcome *o)
{
	char *q = http_escape(&f->http, query);
	char *url = make_url(f->cfg.api, "/search?q=", q);
	double start = now_seconds();
	enum fetch_class c;

	free(q);
	*data = NULL;
	for (int attempt = 0;; attempt++) {
		struct http_response r;
		double wait = backoff_delay(f, attempt);
		int transient = 0, code, rc;
		char msg[400];

		if (ratelimit_acquire(f->rl) != 0)
			die(EXIT_WORK, "%s: cannot write", f->rl->path);
		f->st.api_requests++;
		http_get(&f->http, url, &f->json, &r);
		if (ratelimit_done(f->rl) != 0)
			die(EXIT_WORK, "%s: cannot write", f->rl->path);
		if (r.kind == HTTP_TOO_LARGE) {
			c = set_outcome(o, FETCH_TOO_LARGE, 0, "search response over %zu bytes",
			                f->cfg.max_json);
		} else if (r.kind == HTTP_REFUSED_URL) {
			c = set_outcome(o, FETCH_NETWORK, 0, "%s: %s", f->cfg.api, r.error);
		} else if (r.kind == HTTP_NETWORK) {
			c = set_outcome(o, FETCH_NETWORK, 0, "search: %s", r.error);
			transient = 1;
		} else if (r.status != 200) {
			c = set_outcome(o, FETCH_HTTP, r.status, "search: HTTP %ld", r.status);
			transient = r.status == 429 || r.status >= 500;
			wait = honour_retry_after(f, wait, &r);
		} else if ((rc = fetch_parse_search(f->json.data, f->json.len, data, &code, msg,
		                                    sizeof msg)) == 0) {
			free(url);
			return FETCH_OK;
		} else if (rc < 0) {
			c = set_outcome(o, FETCH_BAD_RESPONSE, 0, "search: %s", msg);
			transient = 1;
		} else if (code == 4 || code == 700) {
			c = set_outcome(o, FETCH_QUOTA, 0, "search: %s", msg);
			transient = 1;
			/* The server says we are over its budget: sit out a window. */
			double q = f->cfg.quota_wait * (1.0 + 0.25 * rng_double(&f->rng));
			if (wait < q)
				wait = q;
		} else if (code == 800) {
			c = set_outcome(o, FETCH_NOT_FOUND, 0, "search: %s", msg);
		} else {
			c = set_outcome(o, FETCH_BAD_RESPONSE, 0, "search: %s", msg);
		}
		if (!transient || !retry_after(f, attempt, start, wait, o)) {
			free(url);
			return c;
		}
	}
}

static void write_cache(const char *path, const struct http_buf *b)
{
	struct atomic_file af;

	if (atomic_open(&af, path) != 0)
		die(EXIT_WORK, "%s: cannot write", path);
	if (fwrite(b->data, 1, b->len, af.fp) != b->len) {
		int saved = errno;
		atomic_abort(&af);
		errno = saved;
		die(EXIT_WORK, "%s: cannot write", path);
	}
	if (atomic_commit(&af) != 0)
		die(EXIT_WORK, "%s: cannot write", path);
}

/* Downloads the preview (no API budget: it is the CDN) into out_path. */
static enum fetch_class download(struct fetch_ctx *f, const char *url, const char *out_path,
                                 struct fetch_outcome *o)
{
	double start = now_seconds();
	enum fetch_class c;

	for (int attempt = 0;; attempt++) {
		struct http_response r;
		double wait = backoff_delay(f, attempt);
		int transient = 0;

		f->st.preview_requests++;
		http_get(&f->http, url, &f->mp3, &r);
		if (r.kind == HTTP_TOO_LARGE) {
			c = set_outcome(o, FETCH_TOO_LARGE, 0, "preview over %zu bytes", f->cfg.max_mp3);
		} else if (r.kind == HTTP_REFUSED_URL) {
			c = set_outcome(o, FETCH_BAD_RESPONSE, 0, "preview URL refused: %s", r.error);
		} else if (r.kind == HTTP_NETWORK) {
			c = set_outcome(o, FETCH_NETWORK, 0, "preview: %s", r.error);
			transient = 1;
		} else if (r.status != 200) {
			c = set_outcome(o, FETCH_HTTP, r.status, "preview: HTTP %ld", r.status);
			transient = r.status == 429 || r.status >= 500;
			wait = honour_retry_after(f, wait, &r);
		} else if (!fetch_is_mp3((const unsigned char *)f->mp3.data, f->mp3.len)) {
			c = set_outcome(o, FETCH_BAD_RESPONSE, 0,
			                "preview is not an MP3 (%zu bytes, no ID3 tag or frame header)",
			                f->mp3.len);
		} else {
			write_cache(out_path, &f->mp3);
			return set_outcome(o, FETCH_OK, 200, "%zu bytes", f->mp3.len);
		}
		if (!transient || !retry_after(f, attempt, start, wait, o))
			return c;
	}
}

enum fetch_class fetch_track(struct fetch_ctx *f, const char *id, const char *artist,
                             const char *title, const char *out_path, struct fetch_outcome *o)
{
	char strict[2048], plain[2048], preview[4096];
	json_t *data = NULL;
	enum match_how how;
	enum fetch_class c;
	int sel;

	f->id = id;
	memset(o, 0, sizeof *o);
	match_normalise(title, strict, sizeof strict);
	if (strict[0] == '\0')
		return set_outcome(o, FETCH_NOT_FOUND, 0, "no title to search for");
	if (match_query_strict(strict, sizeof strict, artist, title) != 0 ||
	    match_query_plain(plain, sizeof plain, artist, title) != 0)
		return set_outcome(o, FETCH_NOT_FOUND, 0, "artist and title too long for a query");
	c = api_search(f, strict, &data, o);
	if (c == FETCH_NOT_FOUND || (c == FETCH_OK && json_array_size(data) == 0)) {
		/* Nothing under the strict syntax: one plain-text query. */
		json_decref(data);
		f->st.fallbacks++;
		c = api_search(f, plain, &data, o);
		if (c == FETCH_OK && json_array_size(data) == 0)
			c = set_outcome(o, FETCH_NOT_FOUND, 0, "no result for %s nor for %s", strict, plain);
		else if (c == FETCH_NOT_FOUND)
			c = set_outcome(o, FETCH_NOT_FOUND, 0, "no data for %s nor for %s", strict, plain);
	}
	if (c != FETCH_OK) {
		json_decref(data);
		return c;
	}
	sel = match_select(data, artist, title, &how);
	if (sel < 0) {
		size_t n = json_array_size(data);
		json_decref(data);
		return set_outcome(o, FETCH_NO_PREVIEW, 0, "%zu result%s, none with a preview", n,
		                   n == 1 ? "" : "s");
	}
	snprintf(preview, sizeof preview, "%s",
	         json_string_value(json_object_get(json_array_get(data, (size_t)sel), "preview")));
	json_decref(data);
	if (how == MATCH_EXACT)
		f->st.exact++;
	else
		f->st.first_with_preview++;
	return download(f, preview, out_path, o);
}
