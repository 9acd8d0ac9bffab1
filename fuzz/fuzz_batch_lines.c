/* fuzz_batch_lines.c — wav2mel --batch's input (id<TAB>path lines on
 * standard input): next_line() and parse_line() of tools/wav2mel/batch.c,
 * compiled in, with a 256-byte line buffer so the over-long-line path is
 * reached.  The input is put on file descriptor 0 (a memfd) and read to
 * its end as the batch reader reads it; each line becomes a job or is
 * skipped.  A job must have a safe id (ids.h), a non-empty input path
 * other than "-" and an output OUT/<id>.mel; lines are numbered 1, 2, ...
 * without gaps.  Paths are only stat()ed (wav2mel_precheck): no audio is
 * decoded and nothing is written. */
#define BATCH_LINE_BUF 256
#include "../tools/wav2mel/batch.c"

#include "fuzz.h"

#include <fcntl.h>

#define OUTDIR "/nonexistent-dcue-fuzz"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_quiet();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct line_reader lr;
	unsigned long seen = 0, lines = 1;
	char *line;
	int r;

	int fd = open(fuzz_file(0, data, size), O_RDONLY);
	if (fd < 0 || dup2(fd, 0) != 0)
		abort();
	close(fd);
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	memset(&lr, 0, sizeof lr);
	while ((r = next_line(&lr, -1, &line)) != 0) {
		if (r != 1 && r != 2)
			abort();
		if (lr.lineno != ++seen || seen > lines)
			abort();
		if (r == 2)
			continue;
		if (strlen(line) >= sizeof lr.buf || strchr(line, '\n') != NULL)
			abort();
		struct job *job = parse_line(line, lr.lineno, OUTDIR);
		if (job == NULL)
			continue;
		size_t n = strlen(job->id);
		if (!name_is_safe(job->id) || job->in[0] == '\0' || strcmp(job->in, "-") == 0 ||
		    strncmp(job->out, OUTDIR "/", sizeof OUTDIR) != 0 ||
		    strncmp(job->out + sizeof OUTDIR, job->id, n) != 0 ||
		    strcmp(job->out + sizeof OUTDIR + n, ".mel") != 0)
			abort();
		wav2mel_free_jobs(&job, 1);
	}
	return 0;
}
