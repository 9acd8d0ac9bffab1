/* http.c — see http.h. */
#define _POSIX_C_SOURCE 200809L
#include "http.h"
#include "msg.h"
#include "opts.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct http_buf *b = arg;
	size_t n = size * nmemb;

	if (b->len + n > b->max) {
		b->overflow = 1;
		return 0;                       /* aborts the transfer */
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n + 1)
			cap *= 2;
		b->data = xrealloc(b->data, cap);
		b->cap = cap;
	}
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

void http_buf_init(struct http_buf *b, size_t max)
{
	memset(b, 0, sizeof *b);
	b->max = max;
	b->cap = 4096;
	b->data = xmalloc(b->cap);
	b->data[0] = '\0';
}

void http_buf_free(struct http_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof *b);
}

int http_init(struct http_client *c, double connect_timeout, double timeout, int reuse)
{
	static int global_done;
	CURL *h;

	memset(c, 0, sizeof *c);
	if (!global_done) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			snprintf(c->errbuf, sizeof c->errbuf, "curl_global_init failed");
			return -1;
		}
		global_done = 1;
	}
	h = curl_easy_init();
	if (h == NULL) {
		snprintf(c->errbuf, sizeof c->errbuf, "curl_easy_init failed");
		return -1;
	}
	c->curl = h;
	if (curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") != CURLE_OK) {
		snprintf(c->errbuf, sizeof c->errbuf, "libcurl cannot restrict protocols");
		http_free(c);
		return -1;
	}
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, (long)HTTP_MAX_REDIRS);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)(connect_timeout * 1000));
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(timeout * 1000));
	curl_easy_setopt(h, CURLOPT_USERAGENT, "dcue-deezer-fetch/" DCUE_VERSION);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");    /* gzip when offered */
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	if (!reuse) {
		curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
		curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
	}
	return 0;
}

void http_free(struct http_client *c)
{
	if (c->curl != NULL)
		curl_easy_cleanup(c->curl);
	c->curl = NULL;
}

void http_get(struct http_client *c, const char *url, struct http_buf *body,
              struct http_response *r)
{
	CURL *h = c->curl;
	CURLcode rc;
	long connects = 0;
	double secs = 0;

	body->len = 0;
	body->overflow = 0;
	body->data[0] = '\0';
	c->errbuf[0] = '\0';
	memset(r, 0, sizeof *r);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, body);
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)body->max);
	rc = curl_easy_perform(h);
	c->requests++;
	if (curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &connects) == CURLE_OK && connects > 0)
		c->connects += (uint64_t)connects;
	curl_easy_getinfo(h, CURLINFO_TOTAL_TIME, &secs);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
	r->seconds = secs;
	curl_off_t ra = 0;
	if (curl_easy_getinfo(h, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK && ra > 0)
		r->retry_after = (double)ra;
	if (rc == CURLE_OK) {
		r->kind = HTTP_OK;
		return;
	}
	if (body->overflow || rc == CURLE_FILESIZE_EXCEEDED) {
		r->kind = HTTP_TOO_LARGE;
		r->error = "body larger than the size cap";
		return;
	}
	if (rc == CURLE_UNSUPPORTED_PROTOCOL || rc == CURLE_URL_MALFORMAT ||
	    rc == CURLE_TOO_MANY_REDIRECTS) {
		r->kind = HTTP_REFUSED_URL;
	} else {
		r->kind = HTTP_NETWORK;
	}
	r->error = c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc);
}

char *http_escape(struct http_client *c, const char *s)
{
	char *e = curl_easy_escape(c->curl, s, 0);
	char *out;

	if (e == NULL)
		diex(EXIT_WORK, "out of memory escaping a URL");
	out = xstrdup(e);
	curl_free(e);
	return out;
}
