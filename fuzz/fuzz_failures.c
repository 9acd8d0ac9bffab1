/* fuzz_failures.c — deezer-fetch's failures file reader (failures.c):
 * failures_load with a callback that touches every id and reason. */
#include "fuzz.h"
#include "failures.h"

static void on_line(void *arg, const char *id, const char *reason, unsigned long lineno)
{
	size_t *sum = arg;
	*sum += strlen(id) + (size_t)failures_permanent(reason) + lineno;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_quiet();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t sum = 0;
	unsigned long bad;

	failures_load(fuzz_file(0, data, size), on_line, &sum, &bad);
	return sum == 1;
}
