/* fuzz/argv/deezer-fetch.c — fuzz_argv's deezer-fetch: parse_options() of
 * tools/deezer-fetch/main.c (compiled in, main renamed); see argv.h.  The
 * two buffers it allocates once every check has passed are freed here. */
#define ARGV_TOOL deezer_fetch
#define ARGV_SOURCE "../../tools/deezer-fetch/main.c"
#include "argv.h"

static int url_ok(const char *u)
{
	size_t n = strncmp(u, "http://", 7) == 0 ? 7 : strncmp(u, "https://", 8) == 0 ? 8 : 0;

	/* a scheme, then a host; no trailing '/' */
	return n > 0 && u[n] != '\0' && u[n] != '/' && u[strlen(u) - 1] != '/';
}

void argv_deezer_fetch(int argc, char **argv, void *scratch)
{
	struct run r;

	(void)scratch;
	parse_options(&r, argc, argv);
	if (r.cache == NULL || strlen(r.cache) > 2048 || strpbrk(r.cache, "\t\n\r") != NULL ||
	    r.state == NULL || r.failures == NULL || r.cfg.api != r.api_buf || !url_ok(r.cfg.api))
		abort();
	if (r.shard_k > (1u << 20) || (r.shard_k > 0 && r.shard_i >= r.shard_k) ||
	    (r.list && r.shard_k == 0))
		abort();
	if (r.rate_n > RATELIMIT_MAX_N || (r.rate_n > 0 && !(r.rate_s >= 0.001 && r.rate_s <= 86400)))
		abort();
	if (r.cfg.retries < 0 || r.cfg.retries > 100 || !(r.cfg.max_backoff <= r.cfg.max_retry_time) ||
	    !(r.timeout >= 0.01 && r.timeout <= 3600) ||
	    !(r.connect_timeout >= 0.01 && r.connect_timeout <= 3600) ||
	    r.cfg.max_json < 1024 || r.cfg.max_json > (1u << 30) || r.cfg.max_mp3 < 1024 ||
	    r.cfg.max_mp3 > (1u << 31))
		abort();
	free(r.api_buf);
	free(r.failures_buf);
}
