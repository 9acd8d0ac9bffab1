/* atomic.h — all-or-nothing file output.
 *
 * atomic_open() creates "DIR/.NAME.tmp.XXXXXX" next to the target, so the
 * final rename() never crosses a file system.  atomic_commit() flushes,
 * fsyncs, closes and renames over the target, then fsyncs the folder: after
 * it returns 0 the new file survives a power loss.  atomic_abort() removes
 * the temporary file.  A temporary file still open when the process exits
 * (normally or through SIGINT/SIGTERM/SIGHUP/SIGPIPE) is removed; after a
 * kill -9 only a hidden ".*.tmp.*" file can be left, never a partial file
 * under the final name.
 *
 * A target of "-" means stdout: writes go straight there, commit flushes. */
#ifndef DCUE_ATOMIC_H
#define DCUE_ATOMIC_H

#include <stdio.h>

struct atomic_file {
	FILE *fp;        /* write through this */
	char *path;      /* final name */
	char *tmp;       /* temporary name, NULL for stdout */
};

/* 0 on success; -1 with errno set (the caller names the path). */
int atomic_open(struct atomic_file *af, const char *path);
int atomic_commit(struct atomic_file *af);
void atomic_abort(struct atomic_file *af);

/* mkdir -p; 0 on success, -1 with errno set. */
int mkdir_p(const char *path);
/* fsync the folder that holds path (best effort on file systems without it). */
int fsync_parent(const char *path);

#endif
