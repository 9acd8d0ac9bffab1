/* test_mpd_parse.c — mpd-parse's pieces: the search title cleaning and the
 * string interning table under growth. */
#include "check.h"

#include "mpd_store.h"
#include "msg.h"
#include "strset.h"

#include <stdio.h>

static const char *clean(const char *name)
{
	static char out[256];

	clean_title(name, out, sizeof out);
	return out;
}

static void test_clean_title(void)
{
	CHECK_EQ_STR(clean("Crazy In Love (feat. Jay-Z)"), "Crazy In Love");
	CHECK_EQ_STR(clean("Rock Your Body - Remastered 2011"), "Rock Your Body");
	CHECK_EQ_STR(clean("  Spaced Out  "), "Spaced Out");
	CHECK_EQ_STR(clean("A - B (C)"), "A");
	CHECK_EQ_STR(clean("Hyphen-ated - Live"), "Hyphen-ated");
	CHECK_EQ_STR(clean("(Intro) Hello"), "(Intro) Hello");     /* nothing before the cut */
	CHECK_EQ_STR(clean(""), "");
	char small[5];
	clean_title("Truncated Title", small, sizeof small);
	CHECK_EQ_STR(small, "Trun");
}

static void test_strset(void)
{
	struct strset s;
	char key[32];
	int is_new;

	strset_init(&s);
	for (int i = 0; i < 100000; i++) {
		snprintf(key, sizeof key, "key-%d", i);
		CHECK_EQ_INT(strset_intern(&s, key, strlen(key), &is_new), i) || (i = 100000);
		if (!is_new)
			CHECK(0);
	}
	CHECK_EQ_INT(s.n, 100000);
	for (int i = 99999; i >= 0; i -= 7) {
		snprintf(key, sizeof key, "key-%d", i);
		if (strset_intern(&s, key, strlen(key), &is_new) != (uint32_t)i || is_new)
			CHECK(0);
	}
	CHECK_EQ_STR(strset_key(&s, 12345), "key-12345");
	/* a prefix of a key is a different key */
	CHECK_EQ_INT(strset_intern(&s, "key-1", 4, &is_new), 100000);
	CHECK(is_new);
	strset_free(&s);
}

int main(int argc, char **argv)
{
	(void)argc;
	msg_init(argv[0]);
	test_clean_title();
	test_strset();
	return check_done();
}
