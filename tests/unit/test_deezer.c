/* test_deezer.c — unit tests for deezer-fetch's library: name
 * normalisation, queries, result selection, response parsing, MP3 sniffing,
 * the shared rate budget (pure core and across processes), the failures
 * file. */
#define _GNU_SOURCE
#include "check.h"

#include "../../tools/deezer-fetch/failures.h"
#include "../../tools/deezer-fetch/fetch.h"
#include "../../tools/deezer-fetch/match.h"
#include "../../tools/deezer-fetch/ratelimit.h"
#include "rng.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *norm(const char *s)
{
	static char buf[256];

	match_normalise(s, buf, sizeof buf);
	return buf;
}

static void test_normalise(void)
{
	CHECK_EQ_STR(norm("Beyoncé"), "beyonce");
	CHECK_EQ_STR(norm("  HALO  "), "halo");
	CHECK_EQ_STR(norm("Sigur Rós"), "sigur ros");
	CHECK_EQ_STR(norm("Straße"), "strasse");
	CHECK_EQ_STR(norm("Motörhead"), "motorhead");
	CHECK_EQ_STR(norm("Łódź"), "lodz");
	CHECK_EQ_STR(norm("Don't Stop Me Now"), "dont stop me now");
	CHECK_EQ_STR(norm("Don’t Stop"), "dont stop");
	CHECK_EQ_STR(norm("Simon & Garfunkel"), "simon and garfunkel");
	CHECK_EQ_STR(norm("AC/DC"), "ac dc");
	CHECK_EQ_STR(norm("P!nk"), "p nk");
	CHECK_EQ_STR(norm("One Dance (feat. Wizkid & Kyla)"), "one dance");
	CHECK_EQ_STR(norm("One Dance [ft. Wizkid]"), "one dance");
	CHECK_EQ_STR(norm("Calvin Harris feat. Rihanna"), "calvin harris");
	CHECK_EQ_STR(norm("Calvin Harris featuring Rihanna"), "calvin harris");
	CHECK_EQ_STR(norm("Artist Ft Other"), "artist");
	CHECK_EQ_STR(norm("Loft Party"), "loft party");             /* "ft" inside a word */
	CHECK_EQ_STR(norm("Feather"), "feather");
	CHECK_EQ_STR(norm("Song (Radio Edit)"), "song radio edit");
	CHECK_EQ_STR(norm("宇多田ヒカル"), "宇多田ヒカル");
	CHECK_EQ_STR(norm("\"Quoted\" \\Back\\slash"), "quoted back slash");
	CHECK_EQ_STR(norm(""), "");
	CHECK_EQ_STR(norm("\xff\xfe bad bytes \xc3"), "bad bytes");
	/* truncation keeps whole characters and a terminator */
	char small[6];
	CHECK_EQ_INT(match_normalise("abcdefgh", small, sizeof small), 5);
	CHECK_EQ_STR(small, "abcde");
	CHECK_EQ_INT(match_normalise("ééééé", small, sizeof small), 5);
}

static void test_queries(void)
{
	char q[128];

	CHECK(match_query_strict(q, sizeof q, "Beyoncé", "Halo") == 0);
	CHECK_EQ_STR(q, "artist:\"Beyoncé\" track:\"Halo\"");
	CHECK(match_query_strict(q, sizeof q, "A \"B\"", "C\\D\te") == 0);
	CHECK_EQ_STR(q, "artist:\"A  B \" track:\"C D e\"");
	CHECK(match_query_plain(q, sizeof q, "Guns N' Roses", "100% & #1?") == 0);
	CHECK_EQ_STR(q, "Guns N' Roses 100% & #1?");
	CHECK(match_query_strict(q, 10, "long artist", "title") == -1);
	CHECK(match_query_strict(q, sizeof q, " ", "Song") == 0);
	CHECK_EQ_STR(q, "track:\"Song\"");
	CHECK(match_url_ok("https://cdns-preview-d.dzcdn.net/stream/c-d.mp3?hdnea=exp=1~acl=x"));
	CHECK(match_url_ok("http://127.0.0.1:8000/preview/1.mp3"));
	CHECK(!match_url_ok("file:///etc/passwd"));
	CHECK(!match_url_ok("ftp://x/y.mp3"));
	CHECK(!match_url_ok("http://x/a b.mp3"));
	CHECK(!match_url_ok(""));
}

static json_t *track(int id, const char *artist, const char *title, const char *preview)
{
	return json_pack("{s:i, s:s, s:s, s:s, s:{s:s}}", "id", id, "title", title, "title_short",
	                 title, "preview", preview, "artist", "name", artist);
}

static void test_select(void)
{
	json_t *d = json_array();
	enum match_how how;

	json_array_append_new(d, track(1, "Beyoncé Tribute", "Halo", "http://x/1.mp3"));
	json_array_append_new(d, track(2, "Beyonce", "Halo", ""));
	json_array_append_new(d, track(3, "BEYONCÉ", "Halo (feat. Nobody)", "http://x/3.mp3"));
	json_array_append_new(d, track(4, "Beyoncé", "Halo", "http://x/4.mp3"));
	CHECK_EQ_INT(match_select(d, "Beyoncé", "Halo", &how), 2);
	CHECK_EQ_INT(how, MATCH_EXACT);
	CHECK_EQ_INT(match_select(d, "Someone", "Else", &how), 0);
	CHECK_EQ_INT(how, MATCH_FIRST_WITH_PREVIEW);
	/* title wins over an earlier title_short match (a remix's short title) */
	json_t *remix = track(5, "Beyoncé", "Halo (Remix)", "http://x/5.mp3");
	json_object_set_new(remix, "title_short", json_string("Halo"));
	json_array_insert_new(d, 0, remix);
	CHECK_EQ_INT(match_select(d, "Beyoncé", "Halo", &how), 3);
	json_array_remove(d, 4);
	json_array_remove(d, 3);
	CHECK_EQ_INT(match_select(d, "Beyoncé", "Halo", &how), 0);  /* then title_short */
	CHECK_EQ_INT(how, MATCH_EXACT);
	json_decref(d);

	d = json_array();
	json_array_append_new(d, json_string("not an object"));
	json_array_append_new(d, track(1, "A", "B", ""));
	json_array_append_new(d, track(2, "A", "B", "file:///etc/passwd"));
	json_array_append_new(d, json_pack("{s:s}", "preview", "http://x/3.mp3"));
	CHECK_EQ_INT(match_select(d, "A", "B", &how), 3);            /* no artist: first */
	CHECK_EQ_INT(how, MATCH_FIRST_WITH_PREVIEW);
	json_array_remove(d, 3);
	CHECK_EQ_INT(match_select(d, "A", "B", &how), -1);
	CHECK_EQ_INT(how, MATCH_NONE);
	json_decref(d);
	CHECK_EQ_INT(match_select(NULL, "A", "B", NULL), -1);
}

static void test_parse(void)
{
	json_t *data;
	int code;
	char msg[256];
	const char *ok = "{\"data\":[{\"id\":1}],\"total\":1}";
	const char *quota = "{\"error\":{\"type\":\"Exception\",\"message\":\"Quota limit exceeded\","
	                    "\"code\":4}}";

	CHECK_EQ_INT(fetch_parse_search(ok, strlen(ok), &data, &code, msg, sizeof msg), 0);
	CHECK_EQ_INT(json_array_size(data), 1);
	json_decref(data);
	CHECK_EQ_INT(fetch_parse_search(quota, strlen(quota), &data, &code, msg, sizeof msg), 1);
	CHECK_EQ_INT(code, 4);
	CHECK_EQ_STR(msg, "API error 4: Quota limit exceeded");
	CHECK(data == NULL);
	CHECK_EQ_INT(fetch_parse_search("<html>", 6, &data, &code, msg, sizeof msg), -1);
	CHECK(strstr(msg, "not JSON") != NULL);
	CHECK_EQ_INT(fetch_parse_search("{\"data\":[1,2", 12, &data, &code, msg, sizeof msg), -1);
	CHECK_EQ_INT(fetch_parse_search("[1]", 3, &data, &code, msg, sizeof msg), -1);
	CHECK_EQ_INT(fetch_parse_search("{\"total\":0}", 11, &data, &code, msg, sizeof msg), -1);
	CHECK_EQ_INT(fetch_parse_search("{\"error\":\"x\"}", 13, &data, &code, msg, sizeof msg), -1);
	/* a NUL inside the body is not JSON */
	CHECK_EQ_INT(fetch_parse_search("{\"data\":[]}\0x", 13, &data, &code, msg, sizeof msg), -1);

	char name[16];
	CHECK_EQ_STR(fetch_class_name(FETCH_HTTP, 503, name, sizeof name), "http_503");
	CHECK_EQ_STR(fetch_class_name(FETCH_NO_PREVIEW, 0, name, sizeof name), "no_preview");
	CHECK_EQ_STR(fetch_class_name(FETCH_TOO_LARGE, 0, name, sizeof name), "too_large");
}

static void test_mp3(void)
{
	const unsigned char id3[] = "ID3\x04\x00\x00\x00\x00\x00\x23";
	const unsigned char frame[] = { 0xff, 0xfb, 0x90, 0x64 };   /* MPEG-1 layer III 128k */
	const unsigned char bad_rate[] = { 0xff, 0xfb, 0xf0, 0x64 };
	const unsigned char html[] = "<html><body>nope</body></html>";

	CHECK(fetch_is_mp3(id3, 10));
	CHECK(!fetch_is_mp3(id3, 5));
	CHECK(fetch_is_mp3(frame, 4));
	CHECK(!fetch_is_mp3(bad_rate, 4));
	CHECK(!fetch_is_mp3(html, sizeof html - 1));
	CHECK(!fetch_is_mp3((const unsigned char *)"", 0));
}

/* Most requests in any half-open window [t, t + w) over sorted times. */
static int max_in_window(const int64_t *t, int n, int64_t w)
{
	int best = 0, j = 0;

	for (int i = 0; i < n; i++) {
		while (t[j] <= t[i] - w)
			j++;
		if (i - j + 1 > best)
			best = i - j + 1;
	}
	return best;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static void test_reserve(void)
{
	enum { N = 7, M = 500 };
	const int64_t w = 1000, flight = 5000;
	int64_t ring[N] = { 0 }, seen[M], now = 1000000;
	uint32_t head = 0;
	struct rng r;

	/* One client, bursty arrivals, a random latency per request; the
	 * server sees each request at a random moment between its start and
	 * its completion. */
	rng_seed(&r, 42);
	for (int i = 0; i < M; i++) {
		uint32_t lane = head;
		now += (int64_t)rng_below(&r, 300);
		int64_t slot = ratelimit_reserve(ring, N, &head, now, w, flight);
		CHECK(slot >= now);
		int64_t lat = (int64_t)rng_below(&r, 400);
		seen[i] = slot + (int64_t)rng_below(&r, (uint64_t)lat + 1);
		CHECK_EQ_INT(ratelimit_complete(ring, lane, slot, slot + lat), 1);
		CHECK_EQ_INT(ratelimit_complete(ring, lane, slot, slot + lat), 0);  /* once */
		now = slot + lat;
	}
	qsort(seen, M, sizeof seen[0], cmp_i64);
	CHECK(max_in_window(seen, M, w) <= N);

	/* An idle budget lets a burst of N through at once. */
	int64_t t = now + 100000, slots[N];
	for (int i = 0; i < N; i++)
		CHECK_EQ_INT(slots[i] = ratelimit_reserve(ring, N, &head, t, w, flight), t);
	/* The next lane's request is still in flight: wait... */
	CHECK_EQ_INT(ratelimit_reserve(ring, N, &head, t + 10, w, flight), -1);
	/* ...until it completes: then W after its completion... */
	CHECK_EQ_INT(ratelimit_complete(ring, head, slots[0], t + 50), 1);
	CHECK_EQ_INT(ratelimit_reserve(ring, N, &head, t + 60, w, flight), t + 50 + w);
	/* ...or until max_flight says its process died. */
	CHECK_EQ_INT(ratelimit_reserve(ring, N, &head, t + flight - 1, w, flight), -1);
	CHECK_EQ_INT(ratelimit_reserve(ring, N, &head, t + flight, w, flight), t + flight + w);

	uint32_t n;
	double s;
	CHECK(ratelimit_parse("50/5", &n, &s) == 0 && n == 50 && s == 5);
	CHECK(ratelimit_parse("20/0.5", &n, &s) == 0 && n == 20 && s == 0.5);
	CHECK(ratelimit_parse("none", &n, &s) == 0 && n == 0);
	CHECK(ratelimit_parse("0/5", &n, &s) == -1);
	CHECK(ratelimit_parse("50", &n, &s) == -1);
	CHECK(ratelimit_parse("50/", &n, &s) == -1);
	CHECK(ratelimit_parse("50/5x", &n, &s) == -1);
	CHECK(ratelimit_parse("-1/5", &n, &s) == -1);
	CHECK(ratelimit_parse("99999999/5", &n, &s) == -1);
	CHECK(ratelimit_window_ns(5) == 5050000000LL);
	CHECK(ratelimit_window_ns(0.1) == 110000000LL);
}

static int64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* P processes share a budget of N per W s; the times of their "requests"
 * (between ratelimit_acquire and ratelimit_done) never put more than N
 * into any window of W, however the processes are scheduled. */
static void test_shared_budget(void)
{
	enum { P = 4, K = 12, N = 10 };
	const double W = 0.25;
	int64_t times[P * K];
	int fds[P][2], total = 0;

	mkdir("rl", 0755);
	for (int p = 0; p < P; p++) {
		CHECK(pipe(fds[p]) == 0);
		pid_t pid = fork();
		if (pid == 0) {
			struct ratelimit rl;
			close(fds[p][0]);
			if (ratelimit_open(&rl, "rl", N, W, 5) != 0)
				_exit(3);
			for (int k = 0; k < K; k++) {
				if (ratelimit_acquire(&rl) != 0)
					_exit(4);
				/* the "request": seen at t, completed before done */
				int64_t t = realtime_ns();
				if (write(fds[p][1], &t, sizeof t) != sizeof t)
					_exit(5);
				if (ratelimit_done(&rl) != 0)
					_exit(6);
			}
			ratelimit_close(&rl);
			_exit(0);
		}
		close(fds[p][1]);
	}
	for (int p = 0; p < P; p++) {
		ssize_t got;
		while (total < P * K &&
		       (got = read(fds[p][0], &times[total], sizeof times[0])) == sizeof times[0])
			total++;
		close(fds[p][0]);
	}
	for (int p = 0; p < P; p++) {
		int st;
		wait(&st);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	CHECK_EQ_INT(total, P * K);
	qsort(times, (size_t)total, sizeof times[0], cmp_i64);
	int most = max_in_window(times, total, (int64_t)(W * 1e9));
	CHECK(most <= N);
	CHECK(most >= N - 1);                     /* the budget is used, not wasted */
	/* 48 requests at 10 per 0.25 s: at least 3 full windows after the first burst */
	CHECK(times[total - 1] - times[0] >= (int64_t)(3 * W * 1e9));

	/* A corrupt state file: the next request waits a full window. */
	int fd = open("rl/ratelimit.state", O_WRONLY | O_TRUNC);
	CHECK(fd >= 0 && write(fd, "garbage", 7) == 7);
	close(fd);
	struct ratelimit rl;
	CHECK(ratelimit_open(&rl, "rl", N, W, 5) == 0);
	int64_t t0 = realtime_ns();
	CHECK(ratelimit_acquire(&rl) == 0);
	CHECK(realtime_ns() - t0 >= (int64_t)(W * 1e9));
	ratelimit_close(&rl);
	/* A different rate: also distrusted, also safe. */
	CHECK(ratelimit_open(&rl, "rl", N + 1, W, 5) == 0);
	t0 = realtime_ns();
	CHECK(ratelimit_acquire(&rl) == 0);
	CHECK(realtime_ns() - t0 >= (int64_t)(W * 1e9));
	ratelimit_close(&rl);
	/* done: a request's time moves from its slot to its completion, so a
	 * slow request pushes back the one N places later */
	mkdir("rl2", 0755);
	CHECK(ratelimit_open(&rl, "rl2", 2, 0.2, 5) == 0);
	t0 = realtime_ns();
	CHECK(ratelimit_acquire(&rl) == 0);
	struct timespec slow = { 0, 150000000 };
	nanosleep(&slow, NULL);
	CHECK(ratelimit_done(&rl) == 0);
	CHECK(ratelimit_acquire(&rl) == 0);
	CHECK(ratelimit_done(&rl) == 0);
	CHECK(realtime_ns() - t0 < 300000000);             /* the second slot was free */
	CHECK(ratelimit_acquire(&rl) == 0);
	CHECK(realtime_ns() - t0 >= 150000000 + ratelimit_window_ns(0.2));
	CHECK(ratelimit_done(&rl) == 0);
	CHECK(ratelimit_done(&rl) == 0);                     /* twice: harmless */
	ratelimit_close(&rl);
	/* A process killed with its request in flight does not stall its lane
	 * for max_flight (5 s here): its pid is gone. */
	mkdir("rl3", 0755);
	pid_t child = fork();
	if (child == 0) {
		if (ratelimit_open(&rl, "rl3", 2, 0.1, 5) != 0 || ratelimit_acquire(&rl) != 0)
			_exit(3);
		_exit(0);                                     /* no ratelimit_done */
	}
	int st;
	CHECK(waitpid(child, &st, 0) == child && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(ratelimit_open(&rl, "rl3", 2, 0.1, 5) == 0);
	t0 = realtime_ns();
	CHECK(ratelimit_acquire(&rl) == 0);
	CHECK(ratelimit_done(&rl) == 0);
	CHECK(ratelimit_acquire(&rl) == 0);                 /* the dead child's lane */
	CHECK(realtime_ns() - t0 < 2000000000);
	ratelimit_close(&rl);
	/* none: no file, no wait */
	CHECK(ratelimit_open(&rl, "nonexistent-dir", 0, 0, 5) == 0);
	CHECK(ratelimit_acquire(&rl) == 0);
	ratelimit_close(&rl);
}

struct seen {
	int n;
	char id[8][32], reason[8][16];
};

static void on_line(void *arg, const char *id, const char *reason, unsigned long lineno)
{
	struct seen *s = arg;

	(void)lineno;
	if (s->n < 8) {
		snprintf(s->id[s->n], sizeof s->id[0], "%s", id);
		snprintf(s->reason[s->n], sizeof s->reason[0], "%s", reason);
		s->n++;
	}
}

static void test_failures(void)
{
	struct seen s = { 0 };
	unsigned long bad;
	char text[1024];

	CHECK(failures_load("nope/failures.tsv", on_line, &s, &bad) == 0);
	CHECK_EQ_INT(s.n, 0);
	CHECK(failures_append("f.tsv", "0123456789012345678901", "not_found", "no\tresult\n") == 0);
	CHECK(failures_append("f.tsv", "../evil\tid", "invalid_id", "bad id") == 0);
	FILE *fp = fopen("f.tsv", "r");
	size_t len = fread(text, 1, sizeof text - 1, fp);
	fclose(fp);
	text[len] = '\0';
	const char *want = FAILURES_HEADER "\n0123456789012345678901\tnot_found\tno\\tresult\\n\t";
	CHECK(strncmp(text, want, strlen(want)) == 0);
	CHECK(strstr(text, "\n../evil id\tinvalid_id\tbad id\t") != NULL);
	/* a torn last line (no newline) is ignored */
	fp = fopen("f.tsv", "a");
	fputs("1123456789012345678901\tquota\tpartial", fp);
	fclose(fp);
	CHECK(failures_load("f.tsv", on_line, &s, &bad) == 0);
	CHECK_EQ_INT(s.n, 2);
	CHECK_EQ_STR(s.id[0], "0123456789012345678901");
	CHECK_EQ_STR(s.reason[0], "not_found");
	CHECK_EQ_STR(s.reason[1], "invalid_id");
	CHECK_EQ_INT(bad, 0);
	CHECK(failures_permanent("not_found") && failures_permanent("no_preview") &&
	      failures_permanent("too_large") && failures_permanent("invalid_id"));
	CHECK(!failures_permanent("quota") && !failures_permanent("http_503") &&
	      !failures_permanent("network") && !failures_permanent("bad_response"));
}

int main(void)
{
	test_normalise();
	test_queries();
	test_select();
	test_parse();
	test_mp3();
	test_reserve();
	test_shared_budget();
	test_failures();
	return check_done();
}
