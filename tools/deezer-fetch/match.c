/* match.c — see match.h. */
#define _POSIX_C_SOURCE 200809L
#include "match.h"

#include <string.h>
#include <strings.h>

/* U+00C0..U+017F folded to ASCII; upper-case letters stand for two-letter
 * folds (A ae, T th, S ss, J ij, O oe); ' ' for × and ÷. */
static const char latin_fold[] =
	"aaaaaaAceeeeiiiidnooooo ouuuuyTSaaaaaaAceeeeiiiidnooooo ouuuuyTy"
	"aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiiiJJjjkkklllllll"
	"lllnnnnnnnnnooooooOOrrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";

static const char *fold_expand(char c)
{
	switch (c) {
	case 'A': return "ae";
	case 'T': return "th";
	case 'S': return "ss";
	case 'J': return "ij";
	case 'O': return "oe";
	default: return NULL;
	}
}

/* Decodes one UTF-8 sequence at s; *len = bytes used.  Invalid bytes give
 * -1 with *len = 1 so callers skip them. */
static long utf8_decode(const unsigned char *s, size_t *len)
{
	long cp;
	size_t n;

	if (s[0] < 0x80) {
		*len = 1;
		return s[0];
	}
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		*len = 1;
		return -1;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*len = 1;
			return -1;
		}
		cp = cp << 6 | (s[i] & 0x3f);
	}
	*len = n;
	return cp;
}

struct outbuf {
	char *p;
	size_t len, cap;
	int space;       /* a word break is pending */
};

static void put_bytes(struct outbuf *o, const char *s, size_t n)
{
	if (o->space && o->len > 0) {
		if (o->len + 1 >= o->cap)
			return;
		o->p[o->len++] = ' ';
	}
	o->space = 0;
	if (o->len + n >= o->cap)
		return;          /* whole characters only */
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

/* Folds the UTF-8 character at s into o; returns the bytes it used. */
static size_t fold_char(struct outbuf *o, const char *s)
{
	size_t n;
	long cp = utf8_decode((const unsigned char *)s, &n);

	for (size_t i = 1; i < n; i++)
		if (s[i] == '\0')
			return i;
	if (cp < 0) {
		/* invalid byte: dropped */
	} else if (cp < 0x80) {
		char c = (char)cp;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
			put_bytes(o, &c, 1);
		} else if (c == '&') {
			o->space = 1;
			put_bytes(o, "and", 3);
			o->space = 1;
		} else if (c != '\'') {
			o->space = 1;
		}
	} else if (cp >= 0xc0 && cp < 0x180) {
		char c = latin_fold[cp - 0xc0];
		const char *two = fold_expand(c);
		if (two != NULL)
			put_bytes(o, two, 2);
		else if (c == ' ')
			o->space = 1;
		else
			put_bytes(o, &c, 1);
	} else if (cp == 0x2019 || cp == 0x2018 || cp == 0xb4) {
		/* typographic apostrophes join like ' */
	} else if (cp < 0xc0 || (cp >= 0x2000 && cp < 0x2070) || cp == 0x3000) {
		o->space = 1;    /* Latin-1 and general punctuation, ideographic space */
	} else {
		put_bytes(o, s, n);
	}
	return n;
}

static int is_alnum_ascii(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int is_feat_word(const char *w, size_t n)
{
	return (n == 4 && strncasecmp(w, "feat", 4) == 0) ||
	       (n == 2 && strncasecmp(w, "ft", 2) == 0) ||
	       (n == 9 && strncasecmp(w, "featuring", 9) == 0);
}

/* Length of the leading ASCII word of s (letters only). */
static size_t word_len(const char *s)
{
	size_t n = 0;

	while ((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z'))
		n++;
	return n;
}

size_t match_normalise(const char *in, char *out, size_t cap)
{
	struct outbuf o = { out, 0, cap, 0 };
	const char *p = in;

	if (cap == 0)
		return 0;
	out[0] = '\0';
	while (*p) {
		if (*p == '(' || *p == '[') {
			/* A bracketed part starting with a feat word is dropped. */
			const char *q = p + 1, *end = strchr(p, *p == '(' ? ')' : ']');
			while (*q == ' ')
				q++;
			size_t wl = word_len(q);
			o.space = 1;
			if (is_feat_word(q, wl) && !is_alnum_ascii(q[wl])) {
				if (end == NULL)
					break;
				p = end + 1;
			} else {
				p++;
			}
			continue;
		}
		if (p == in || !is_alnum_ascii(p[-1])) {
			/* A bare feat word ends the name: "Artist feat. Other". */
			size_t wl = word_len(p);
			if (wl > 0 && is_feat_word(p, wl) && (p[wl] == '.' || p[wl] == ' ' || p[wl] == '\0'))
				break;
		}
		p += fold_char(&o, p);
	}
	return o.len;
}

/* Appends s to out with '"', '\\' and control characters replaced by spaces. */
static int append_clean(char *out, size_t cap, size_t *len, const char *s)
{
	for (const unsigned char *u = (const unsigned char *)s; *u; u++) {
		char c = (*u == '"' || *u == '\\' || *u < 0x20 || *u == 0x7f) ? ' ' : (char)*u;
		if (*len + 1 >= cap)
			return -1;
		out[(*len)++] = c;
	}
	out[*len] = '\0';
	return 0;
}

static int append_lit(char *out, size_t cap, size_t *len, const char *s)
{
	size_t n = strlen(s);

	if (*len + n >= cap)
		return -1;
	memcpy(out + *len, s, n + 1);
	*len += n;
	return 0;
}

int match_query_strict(char *out, size_t cap, const char *artist, const char *title)
{
	size_t len = 0;

	if (cap == 0)
		return -1;
	out[0] = '\0';
	if (artist[strspn(artist, " ")] != '\0' &&
	    (append_lit(out, cap, &len, "artist:\"") || append_clean(out, cap, &len, artist) ||
	     append_lit(out, cap, &len, "\" ")))
		return -1;
	if (append_lit(out, cap, &len, "track:\"") || append_clean(out, cap, &len, title) ||
	    append_lit(out, cap, &len, "\""))
		return -1;
	return 0;
}

int match_query_plain(char *out, size_t cap, const char *artist, const char *title)
{
	size_t len = 0;

	if (cap == 0)
		return -1;
	out[0] = '\0';
	if (append_clean(out, cap, &len, artist) || append_lit(out, cap, &len, " ") ||
	    append_clean(out, cap, &len, title))
		return -1;
	return 0;
}

int match_url_ok(const char *url)
{
	if (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0)
		return 0;
	for (const unsigned char *u = (const unsigned char *)url; *u; u++)
		if (*u <= 0x20 || *u == 0x7f)
			return 0;
	return strlen(url) < 4096;
}

static const char *str_field(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int has_preview(json_t *t)
{
	const char *p = str_field(t, "preview");

	return p != NULL && *p != '\0' && match_url_ok(p);
}

/* 1 when t's artist and t[key] equal the wanted normalised names. */
static int names_equal(json_t *t, const char *key, const char *want_a, const char *want_t)
{
	char got[512];
	const char *an = str_field(json_object_get(t, "artist"), "name");
	const char *tn = str_field(t, key);

	if (an == NULL || tn == NULL)
		return 0;
	match_normalise(an, got, sizeof got);
	if (strcmp(got, want_a) != 0)
		return 0;
	match_normalise(tn, got, sizeof got);
	return strcmp(got, want_t) == 0;
}

int match_select(json_t *data, const char *artist, const char *title, enum match_how *how)
{
	/* title before title_short: title_short drops the version, so a
	 * "(Remix)" would otherwise tie with the original. */
	static const char *const keys[] = { "title", "title_short" };
	char want_a[512], want_t[512];
	size_t i;
	json_t *t;
	int first = -1;

	if (how != NULL)
		*how = MATCH_NONE;
	if (!json_is_array(data))
		return -1;
	match_normalise(artist, want_a, sizeof want_a);
	match_normalise(title, want_t, sizeof want_t);
	for (int k = 0; k < 2; k++) {
		json_array_foreach(data, i, t) {
			if (!json_is_object(t) || !has_preview(t))
				continue;
			if (first < 0)
				first = (int)i;
			if (names_equal(t, keys[k], want_a, want_t)) {
				if (how != NULL)
					*how = MATCH_EXACT;
				return (int)i;
			}
		}
	}
	if (first >= 0 && how != NULL)
		*how = MATCH_FIRST_WITH_PREVIEW;
	return first;
}
