/* fuzz_fetch_input.c — deezer-fetch's input lines (track_id<TAB>artist<TAB>
 * title, '#' comments, blank lines): read_input() and input_index() of
 * tools/deezer-fetch/main.c, compiled in with main renamed, with a line
 * limit of 256 bytes so the over-long-line path is reached.  The first
 * byte picks --shard (0: none; else K = 1..8 and I < K).  What is kept
 * must be well formed: a valid 22-character id or "" (reported later),
 * artist and title without tabs or newlines, line numbers increasing,
 * every first occurrence of an id found again through the index and every
 * later one marked as a repeat; kept + other shards + malformed lines
 * never exceed the lines given. */
#define MAX_LINE 256
#define main deezer_fetch_main
#include "../tools/deezer-fetch/main.c"
#undef main

#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_quiet();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in;
	size_t lines = 1;
	FILE *fp;

	if (size < 1)
		return 0;
	memset(&in, 0, sizeof in);
	if (data[0] != 0) {
		in.shard_k = 1u + data[0] % 8u;
		in.shard_i = (uint32_t)(data[0] / 8u) % in.shard_k;
	}
	for (size_t i = 1; i < size; i++)
		lines += data[i] == '\n';
	/* "r" on an empty buffer is refused by fmemopen: give it one byte */
	fp = size > 1 ? fmemopen((void *)(data + 1), size - 1, "r") : fopen("/dev/null", "r");
	if (fp == NULL)
		abort();
	read_input(&in, "input", fp);
	fclose(fp);
	input_index(&in);

	if (in.n + in.others + in.errors > lines)
		abort();
	for (size_t k = 0; k < in.n; k++) {
		const struct track *t = &in.t[k];
		if (t->id[0] != '\0' && !track_id_valid(t->id))
			abort();
		if (strpbrk(t->artist, "\t\n") != NULL || strpbrk(t->title, "\t\n") != NULL)
			abort();
		if (k > 0 && t->line <= in.t[k - 1].line)
			abort();
		if (in.shard_k > 0 && shard_of(t->raw_id, in.shard_k) != in.shard_i)
			abort();
		if (t->id[0] != '\0') {
			const struct track *f = input_find(&in, t->id);
			if (f == NULL || strcmp(f->id, t->id) != 0 || (f == t) == t->dup)
				abort();
		}
	}
	input_free(&in);
	return 0;
}
