/* fetch.h — one track: search the API, pick a result, download its preview
 * right away (the URL is signed and expires), write CACHE/<id>.mp3
 * atomically.  Retries transient faults with exponential backoff and
 * jitter, bounded in count and time.
 *
 * Outcome classes (the failures file's reason column):
 *   ok, not_found, no_preview, quota, http_NNN, network, bad_response,
 *   too_large, invalid_id. */
#ifndef DEEZER_FETCH_H
#define DEEZER_FETCH_H

#include "http.h"
#include "ratelimit.h"
#include "rng.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

enum fetch_class {
	FETCH_OK, FETCH_NOT_FOUND, FETCH_NO_PREVIEW, FETCH_QUOTA, FETCH_HTTP, FETCH_NETWORK,
	FETCH_BAD_RESPONSE, FETCH_TOO_LARGE, FETCH_INVALID_ID
};

struct fetch_config {
	const char *api;           /* base URL, no trailing slash */
	const char *cache;         /* folder of <id>.mp3 */
	int retries;               /* extra attempts per request after the first */
	double backoff;            /* first backoff, seconds; doubles per attempt */
	double max_backoff;        /* cap on one backoff */
	double max_retry_time;     /* cap on the time one request spends retrying */
	double quota_wait;         /* pause after a quota/busy error (the rate window) */
	size_t max_json, max_mp3;  /* body caps, bytes */
};

struct fetch_stats {
	uint64_t api_requests, preview_requests, retries, fallbacks, exact, first_with_preview;
};

struct fetch_ctx {
	struct fetch_config cfg;
	struct http_client http;
	struct ratelimit *rl;      /* the shared budget for API requests */
	struct http_buf json, mp3; /* reused bodies */
	struct rng rng;            /* backoff jitter only */
	struct fetch_stats st;
	const char *id;            /* the track in hand, for messages */
};

struct fetch_outcome {
	enum fetch_class cls;
	long status;               /* for FETCH_HTTP */
	char reason[16];           /* class name, e.g. "http_503" */
	char message[512];
};

/* 0, or -1 with a message on stderr. */
int fetch_init(struct fetch_ctx *f, const struct fetch_config *cfg, struct ratelimit *rl,
               double connect_timeout, double timeout, int reuse, uint64_t seed);
void fetch_free(struct fetch_ctx *f);

/* Fetches one track into out_path (CACHE/<id>.mp3).  Returns o->cls. */
enum fetch_class fetch_track(struct fetch_ctx *f, const char *id, const char *artist,
                             const char *title, const char *out_path, struct fetch_outcome *o);

/* The class's name (http_NNN uses status) into buf. */
const char *fetch_class_name(enum fetch_class c, long status, char *buf, size_t cap);

/* Parses a search response body.  Returns 0 with *data (a new reference
 * to the "data" array) on success; 1 with *api_code and msg when the body
 * is an API error object; -1 with msg when it is not the expected JSON. */
int fetch_parse_search(const char *body, size_t len, json_t **data, int *api_code,
                       char *msg, size_t cap);

/* 1 when p starts like an MP3 file: an ID3v2 tag or an MPEG audio frame
 * header (sync, valid version/layer/bitrate/sampling-rate fields). */
int fetch_is_mp3(const unsigned char *p, size_t n);

#endif
