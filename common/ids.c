/* ids.c — see ids.h. */
#include "ids.h"
#include "msg.h"

#include <stdio.h>
#include <string.h>

static int is_base62(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

int track_id_valid(const char *s)
{
	size_t i;

	for (i = 0; i < TRACK_ID_LEN; i++)
		if (!is_base62((unsigned char)s[i]))
			return 0;
	return s[i] == '\0';
}

int name_is_safe(const char *s)
{
	size_t i;

	if (s[0] == '\0' || s[0] == '.')
		return 0;
	for (i = 0; s[i]; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!is_base62(c) && c != '_' && c != '-' && c != '.')
			return 0;
		if (i >= 128)
			return 0;
	}
	return 1;
}

const char *track_id_from_uri(const char *uri)
{
	static const char prefix[] = "spotify:track:";

	if (strncmp(uri, prefix, sizeof prefix - 1) != 0)
		return NULL;
	uri += sizeof prefix - 1;
	return track_id_valid(uri) ? uri : NULL;
}

void path_join_id(char *out, size_t cap, const char *dir, const char *id, const char *ext)
{
	int n = snprintf(out, cap, "%s/%s%s", dir, id, ext);

	if (n < 0 || (size_t)n >= cap)
		diex(EXIT_WORK, "path too long: %s/%s%s", dir, id, ext);
}
