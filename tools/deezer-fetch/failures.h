/* failures.h — the failures file: one line per failed attempt,
 *
 *   # track_id<TAB>reason<TAB>message<TAB>time
 *   <id><TAB>not_found<TAB>no result for artist:"…" track:"…"<TAB>2026-11-28T06:12:03Z
 *
 * appended by every deezer-fetch process sharing it.  Each line is written
 * by one write(2) on an O_APPEND descriptor under flock(2), so lines from
 * parallel processes never interleave and a kill -9 never leaves half a
 * line (a power cut could; readers ignore a last line without its newline).
 * The message is tsv_put_escaped (tabs and newlines as \t \n); fields other
 * than the message never hold tabs.  For an id listed more than once, the
 * last line wins. */
#ifndef DEEZER_FAILURES_H
#define DEEZER_FAILURES_H

#include <stddef.h>

#define FAILURES_HEADER "# track_id\treason\tmessage\ttime"

/* Appends one line (the header first when the file is new or empty).
 * id is written cleaned (control characters to spaces, at most 64 bytes).
 * 0 on success; -1 with errno set. */
int failures_append(const char *path, const char *id, const char *reason, const char *message);

/* Calls fn(arg, id, reason, lineno) for every complete data line, in file
 * order.  A missing file is an empty list.  0 on success; -1 with errno set
 * on a read error; lines that are not id<TAB>reason<TAB>… are skipped and
 * counted in *bad (may be NULL). */
int failures_load(const char *path, void (*fn)(void *arg, const char *id, const char *reason,
                                               unsigned long lineno),
                  void *arg, unsigned long *bad);

/* 1 for reasons a rerun does not retry without --retry-failed
 * (not_found, no_preview, invalid_id, too_large); 0 for transient ones. */
int failures_permanent(const char *reason);

#endif
