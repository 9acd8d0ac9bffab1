/* http.h — the one HTTP client deezer-fetch uses (libcurl easy handle).
 *
 * One handle is kept for the whole run so connections stay alive between
 * requests (unless reuse is off, which the benchmark uses as its baseline).
 * Only http and https, at most HTTP_MAX_REDIRS redirects, TLS peer and host
 * verification on, connect and total timeouts, and a size cap on every
 * body: a body over the cap is abandoned as soon as it crosses it. */
#ifndef DEEZER_HTTP_H
#define DEEZER_HTTP_H

#include <stddef.h>
#include <stdint.h>

#define HTTP_MAX_REDIRS 3

struct http_client {
	void *curl;            /* CURL * */
	char errbuf[256];      /* CURL_ERROR_SIZE */
	uint64_t requests;     /* transfers attempted */
	uint64_t connects;     /* new connections opened */
};

/* A growable body buffer, reused across requests. */
struct http_buf {
	char *data;            /* [cap], NUL-terminated after each transfer */
	size_t len, cap;
	size_t max;            /* cap on the body; larger bodies fail */
	int overflow;          /* set when the body went over max */
};

/* What a transfer gave.  kind says how to classify it. */
enum http_kind {
	HTTP_OK,               /* a complete response (any status) */
	HTTP_TOO_LARGE,        /* body over the cap */
	HTTP_NETWORK,          /* timeout, refused, reset, torn body, DNS... */
	HTTP_REFUSED_URL,      /* a scheme or URL libcurl was told to refuse */
};

struct http_response {
	enum http_kind kind;
	long status;           /* HTTP status, 0 when none */
	const char *error;     /* message for non-OK kinds (points into the client) */
	double seconds;        /* total time of the transfer */
	double retry_after;    /* seconds from a Retry-After header, 0 when none */
};

/* timeouts in seconds (> 0).  0 on success; -1 with a message in errbuf. */
int http_init(struct http_client *c, double connect_timeout, double timeout, int reuse);
void http_free(struct http_client *c);

/* GETs url into body (which is emptied first). */
void http_get(struct http_client *c, const char *url, struct http_buf *body,
              struct http_response *r);

/* URL-encodes s (every byte outside A-Za-z0-9-._~); free() the result. */
char *http_escape(struct http_client *c, const char *s);

void http_buf_init(struct http_buf *b, size_t max);
void http_buf_free(struct http_buf *b);

#endif
