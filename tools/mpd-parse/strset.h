/* strset.h — interning strings to dense indices (open addressing).
 *
 * strset_intern() returns the index of s, adding it when new; indices count
 * up from 0 in order of first insertion.  Keys live in one growing arena,
 * so memory is the keys' total length plus ~16 bytes per key. */
#ifndef MPD_STRSET_H
#define MPD_STRSET_H

#include <stddef.h>
#include <stdint.h>

struct strset {
	uint64_t *slots;       /* [cap] (hash32 << 32) | (index + 1); 0 = empty */
	size_t cap;            /* power of two */
	size_t n;              /* keys */
	size_t *off;           /* [n] arena offset of key i */
	size_t off_cap;
	char *arena;
	size_t alen, acap;
};

void strset_init(struct strset *s);
uint32_t strset_intern(struct strset *s, const char *key, size_t len, int *is_new);
static inline const char *strset_key(const struct strset *s, uint32_t i)
{
	return s->arena + s->off[i];
}
void strset_free(struct strset *s);

#endif
