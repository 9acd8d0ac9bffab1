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

/* Sets: outputs that belong together (tracks.tsv + playlists.bin, a report
 * and its per-playlist file, a checkpoint and its metrics) are replaced
 * together.  Open and write each member with atomic_open() as usual, then
 * hand them all to atomic_commit_set(), which
 *   1. flushes, fsyncs and closes every temporary (a full disk, a file-size
 *      limit or a write error shows here: every member is aborted, every
 *      previous output is left as it was);
 *   2. links each existing target to a hidden backup ".NAME.old.XXXXXX";
 *   3. renames every temporary over its target, in order, with SIGINT,
 *      SIGTERM, SIGHUP and SIGPIPE held back; when a rename fails, the
 *      targets already renamed are put back from their backups (or removed
 *      when there was none before), so the previous set stands again;
 *   4. removes the backups and fsyncs the folders.
 * Only a kill -9 (or a power loss) between two renames of step 3, after
 * every new file is complete on disk, can leave some members new and the
 * others old; each file is still whole, and the backups of the replaced
 * ones stay as ".NAME.old.*".  A "-" member (stdout) is flushed in step 1.
 * Every member is consumed (committed or aborted).  0 on success; -1 with
 * errno set and *bad (if not NULL) the index of the member that failed. */
int atomic_commit_set(struct atomic_file *const *set, size_t n, size_t *bad);

/* Checks, before long work, that path could be written: its folder exists
 * and accepts a new file (creates and removes a temporary there), and path
 * is not a folder.  "-" always passes.  0, or -1 with errno set. */
int atomic_probe(const char *path);

/* mkdir -p; 0 on success, -1 with errno set. */
int mkdir_p(const char *path);
/* fsync the folder that holds path (best effort on file systems without it). */
int fsync_parent(const char *path);

#endif
