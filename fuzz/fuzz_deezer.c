/* fuzz_deezer.c — deezer-fetch's handling of a search response
 * (fetch.c: fetch_parse_search; match.c: match_select, match_url_ok) and,
 * for inputs that are not JSON, the name normalisation and query building
 * of match.c on the input taken as an artist and a title. */
#include "fuzz.h"
#include "fetch.h"
#include "match.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_quiet();
	return 0;
}

static void names(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size), *title = s, norm[512], q[1024];
	char *tab = memchr(s, '\t', size);

	if (tab != NULL) {
		*tab = '\0';
		title = tab + 1;
	}
	if (match_normalise(s, norm, sizeof norm) >= sizeof norm)
		abort();
	if (strlen(norm) >= sizeof norm)
		abort();
	if (match_query_strict(q, sizeof q, s, title) == 0 && strlen(q) >= sizeof q)
		abort();
	if (match_query_plain(q, sizeof q, s, title) == 0 && strlen(q) >= sizeof q)
		abort();
	match_url_ok(title);
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const pairs[][2] = {
		{ "Daft Punk", "One More Time" }, { "Beyoncé", "Halo" }, { "", "Intro" },
		{ "AC/DC feat. X", "T.N.T. (feat. Y)" },
	};
	json_t *arr;
	int code;
	char msg[512];

	names(data, size);
	if (fetch_parse_search((const char *)data, size, &arr, &code, msg, sizeof msg) != 0)
		return 0;
	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
		enum match_how how;
		int k = match_select(arr, pairs[i][0], pairs[i][1], &how);
		if (k >= 0) {
			json_t *t = json_array_get(arr, (size_t)k);
			json_t *p = json_object_get(t, "preview");
			if (!json_is_string(p) || !match_url_ok(json_string_value(p)))
				abort();
		} else if (how != MATCH_NONE) {
			abort();
		}
	}
	json_decref(arr);
	return 0;
}
