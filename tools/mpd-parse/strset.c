/* strset.c — see strset.h. */
#include "strset.h"
#include "msg.h"

#include <stdlib.h>
#include <string.h>

static uint32_t hash32(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;        /* FNV-1a, folded to 32 bits */

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return (uint32_t)(h ^ (h >> 32));
}

void strset_init(struct strset *s)
{
	memset(s, 0, sizeof *s);
	s->cap = 1024;
	s->slots = xcalloc(s->cap, sizeof *s->slots);
}

static void grow(struct strset *s)
{
	size_t cap = s->cap * 2;
	uint64_t *slots = xcalloc(cap, sizeof *slots);

	for (size_t i = 0; i < s->cap; i++) {
		uint64_t v = s->slots[i];
		if (v == 0)
			continue;
		size_t j = (size_t)(v >> 32) & (cap - 1);
		while (slots[j] != 0)
			j = (j + 1) & (cap - 1);
		slots[j] = v;
	}
	free(s->slots);
	s->slots = slots;
	s->cap = cap;
}

uint32_t strset_intern(struct strset *s, const char *key, size_t len, int *is_new)
{
	uint32_t h = hash32(key, len);
	size_t j = h & (s->cap - 1);

	for (;;) {
		uint64_t v = s->slots[j];
		if (v == 0)
			break;
		if ((uint32_t)(v >> 32) == h) {
			uint32_t i = (uint32_t)v - 1;
			const char *k = s->arena + s->off[i];
			/* strncmp stops at k's NUL: a shorter stored key never reads past it */
			if (strncmp(k, key, len) == 0 && k[len] == '\0') {
				if (is_new)
					*is_new = 0;
				return i;
			}
		}
		j = (j + 1) & (s->cap - 1);
	}
	if (s->n >= UINT32_MAX - 1)
		diex(EXIT_WORK, "more than 4 billion distinct keys");
	if (s->n == s->off_cap) {
		s->off_cap = s->off_cap ? 2 * s->off_cap : 1024;
		s->off = xrealloc(s->off, s->off_cap * sizeof *s->off);
	}
	if (s->alen + len + 1 > s->acap) {
		while (s->alen + len + 1 > s->acap)
			s->acap = s->acap ? 2 * s->acap : 65536;
		s->arena = xrealloc(s->arena, s->acap);
	}
	memcpy(s->arena + s->alen, key, len);
	s->arena[s->alen + len] = '\0';
	s->off[s->n] = s->alen;
	s->alen += len + 1;
	s->slots[j] = (uint64_t)h << 32 | (uint64_t)(s->n + 1);
	s->n++;
	if (2 * s->n > s->cap)
		grow(s);
	if (is_new)
		*is_new = 1;
	return (uint32_t)(s->n - 1);
}

void strset_free(struct strset *s)
{
	free(s->slots);
	free(s->off);
	free(s->arena);
	memset(s, 0, sizeof *s);
}
