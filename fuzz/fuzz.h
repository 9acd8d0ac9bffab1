/* fuzz.h — what every libFuzzer harness under fuzz/ shares (header-only:
 * each harness is one program).  See docs/fuzzing.md.
 *
 * The readers take a path, so an input is handed to them as a file: a
 * memfd (no disk) opened by its /proc/self/fd name.  Messages the readers
 * print on stderr are dropped unless DCUE_FUZZ_VERBOSE is set; sanitizer
 * reports still reach file descriptor 2.
 *
 * Binary formats carry CRCs (common/binfile.h), so almost every mutation
 * stops at "checksum mismatch".  fuzz_binary() runs the reader on the input
 * as it is and, when its CRCs are wrong, again with both CRCs recomputed,
 * so mutations reach the checks behind them.  DCUE_FUZZ_CRC=plain or fix
 * keeps one of the two.
 *
 * exit() is wrapped (link with -Wl,--wrap=exit): inside fuzz_try() a call to
 * exit (a reader or option parser that dies on bad input) returns to the
 * harness instead of ending the process; elsewhere it exits as usual. */
#ifndef DCUE_FUZZ_H
#define DCUE_FUZZ_H

#define _GNU_SOURCE
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* --- exit() inside fuzz_try() returns to the harness --------------------- */

static jmp_buf fuzz_exit_jmp;
static volatile int fuzz_exit_armed;
static volatile int fuzz_exit_status;

_Noreturn void __real_exit(int status);
_Noreturn void __wrap_exit(int status);
_Noreturn void __wrap_exit(int status)
{
	if (fuzz_exit_armed) {
		fuzz_exit_armed = 0;
		fuzz_exit_status = status;
		longjmp(fuzz_exit_jmp, 1);
	}
	__real_exit(status);
}

/* Runs fn(arg); -1 when it called exit() (fuzz_exit_status holds the
 * status), 0 when it returned. */
static __attribute__((unused)) int fuzz_try(void (*fn)(void *), void *arg)
{
	if (setjmp(fuzz_exit_jmp) != 0)
		return -1;
	fuzz_exit_armed = 1;
	fn(arg);
	fuzz_exit_armed = 0;
	return 0;
}

/* --- inputs as files ------------------------------------------------------- */

#define FUZZ_SLOTS 4

/* Writes the bytes to memfd number slot and returns a path that opens it. */
static __attribute__((unused)) const char *fuzz_file(int slot, const void *data, size_t size)
{
	static int fd[FUZZ_SLOTS] = { -1, -1, -1, -1 };
	static char path[FUZZ_SLOTS][64];

	if (fd[slot] < 0) {
		fd[slot] = memfd_create("dcue-fuzz", 0);
		if (fd[slot] < 0) {
			perror("memfd_create");
			abort();
		}
		snprintf(path[slot], sizeof path[slot], "/proc/self/fd/%d", fd[slot]);
	}
	if (ftruncate(fd[slot], 0) != 0 ||
	    (size > 0 && pwrite(fd[slot], data, size, 0) != (ssize_t)size)) {
		perror("memfd write");
		abort();
	}
	return path[slot];
}

/* Drops stderr messages (not sanitizer reports) unless DCUE_FUZZ_VERBOSE. */
static __attribute__((unused)) void fuzz_quiet(void)
{
	msg_init("fuzz");
	if (getenv("DCUE_FUZZ_VERBOSE") == NULL) {
		FILE *null = fopen("/dev/null", "w");
		if (null != NULL)
			stderr = null;
	}
}

/* fuzz_quiet(), and stdout to /dev/null: for harnesses that run code
 * printing there (--help, a report); they check results, not output. */
static __attribute__((unused)) void fuzz_quiet_stdout(void)
{
	fuzz_quiet();
	FILE *null = fopen("/dev/null", "w");
	if (null != NULL)
		stdout = null;
}

/* --- the binfile container's CRCs ------------------------------------------ */

static __attribute__((unused)) void fuzz_put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Recomputes the data CRC (over everything after the 72-byte header, i.e.
 * meta and payload of a file whose sizes are right) and the header CRC. */
static __attribute__((unused)) void fuzz_fix_crc(uint8_t *b, size_t n)
{
	if (n < 72)
		return;
	fuzz_put32(b + 64, (uint32_t)crc32(crc32(0, Z_NULL, 0), b + 72, (uInt)(n - 72)));
	fuzz_put32(b + 68, (uint32_t)crc32(crc32(0, Z_NULL, 0), b, 68));
}

/* Runs fn on the input as a file, and again with its CRCs fixed (see top). */
static __attribute__((unused)) void fuzz_binary(const uint8_t *data, size_t size, void (*fn)(const char *path))
{
	const char *mode = getenv("DCUE_FUZZ_CRC");
	int plain = mode == NULL || strcmp(mode, "fix") != 0;
	int fix = mode == NULL || strcmp(mode, "plain") != 0;

	if (plain)
		fn(fuzz_file(0, data, size));
	if (fix && size >= 72) {
		uint8_t *copy = malloc(size);
		if (copy == NULL)
			abort();
		memcpy(copy, data, size);
		fuzz_fix_crc(copy, size);
		if (!plain || memcmp(copy, data, size) != 0)
			fn(fuzz_file(0, copy, size));
		free(copy);
	}
}

/* The input as a NUL-terminated string (caller frees). */
static __attribute__((unused)) char *fuzz_string(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* The two libFuzzer entry points of a binary-format harness whose reader
 * is run(path): quiet, then every input through fuzz_binary(). */
#define FUZZ_BINARY_HARNESS(run) \
	int LLVMFuzzerInitialize(int *argc, char ***argv) \
	{ \
		(void)argc, (void)argv; \
		fuzz_quiet(); \
		return 0; \
	} \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) \
	{ \
		fuzz_binary(data, size, run); \
		return 0; \
	}

#endif
