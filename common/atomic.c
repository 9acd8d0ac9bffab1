/* atomic.c — see atomic.h. */
#define _GNU_SOURCE
#include "atomic.h"
#include "msg.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Temporary files to remove if the process dies before committing them.
 * Signal handlers read this list, so it is a fixed array of pointers. */
#define MAX_LIVE 64
static char *volatile live[MAX_LIVE];
static int hooks_installed;

static void remove_live(void)
{
	for (int i = 0; i < MAX_LIVE; i++)
		if (live[i] != NULL)
			unlink(live[i]);
}

static void on_signal(int sig)
{
	remove_live();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void install_hooks(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
	struct sigaction sa;

	if (hooks_installed)
		return;
	hooks_installed = 1;
	atexit(remove_live);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		struct sigaction old;

		/* Leave alone signals the caller chose to ignore or handle. */
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_DFL)
			sigaction(sigs[i], &sa, NULL);
	}
}

static void live_add(char *tmp)
{
	for (int i = 0; i < MAX_LIVE; i++)
		if (live[i] == NULL) {
			live[i] = tmp;
			return;
		}
}

static void live_del(const char *tmp)
{
	for (int i = 0; i < MAX_LIVE; i++)
		if (live[i] == tmp)
			live[i] = NULL;
}

int atomic_open(struct atomic_file *af, const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
	const char *base = slash ? slash + 1 : path;
	int fd;

	memset(af, 0, sizeof *af);
	if (strcmp(path, "-") == 0) {
		af->fp = stdout;
		af->path = xstrdup(path);
		return 0;
	}
	if (*base == '\0') {
		errno = EISDIR;
		return -1;
	}
	install_hooks();
	af->path = xstrdup(path);
	af->tmp = xmalloc(dirlen + strlen(base) + 16);
	memcpy(af->tmp, path, dirlen);
	sprintf(af->tmp + dirlen, ".%s.tmp.XXXXXX", base);
	fd = mkstemp(af->tmp);
	if (fd < 0)
		goto fail;
	live_add(af->tmp);
	/* mkstemp makes 0600; outputs are ordinary files. */
	mode_t mask = umask(0);
	umask(mask);
	fchmod(fd, 0666 & ~mask);
	af->fp = fdopen(fd, "wb");
	if (af->fp == NULL) {
		int saved = errno;
		close(fd);
		unlink(af->tmp);
		live_del(af->tmp);
		errno = saved;
		goto fail;
	}
	/* Outputs are written in large pieces: fewer system calls. */
	setvbuf(af->fp, NULL, _IOFBF, 1 << 18);
	return 0;
fail:
	free(af->path);
	free(af->tmp);
	memset(af, 0, sizeof *af);
	return -1;
}

int fsync_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd, rc = 0;

	if (slash == NULL)
		dir = xstrdup(".");
	else if (slash == path)
		dir = xstrdup("/");
	else
		dir = strndup(path, (size_t)(slash - path));
	if (dir == NULL)
		return -1;
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (fd >= 0) {
		if (fsync(fd) != 0 && errno != EINVAL)
			rc = -1;
		close(fd);
	}
	free(dir);
	return rc;
}

int atomic_commit(struct atomic_file *af)
{
	int rc = 0, saved = 0;

	if (af->tmp == NULL) {          /* stdout */
		rc = (fflush(af->fp) != 0 || ferror(af->fp)) ? -1 : 0;
		free(af->path);
		memset(af, 0, sizeof *af);
		return rc;
	}
	if (fflush(af->fp) != 0 || ferror(af->fp) || fsync(fileno(af->fp)) != 0)
		rc = -1, saved = errno;
	if (fclose(af->fp) != 0 && rc == 0)
		rc = -1, saved = errno;
	if (rc == 0 && rename(af->tmp, af->path) != 0)
		rc = -1, saved = errno;
	if (rc != 0)
		unlink(af->tmp);
	live_del(af->tmp);
	if (rc == 0)
		fsync_parent(af->path);
	free(af->tmp);
	free(af->path);
	memset(af, 0, sizeof *af);
	errno = saved;
	return rc;
}

void atomic_abort(struct atomic_file *af)
{
	if (af->fp == NULL)
		return;
	if (af->tmp != NULL) {
		fclose(af->fp);
		unlink(af->tmp);
		live_del(af->tmp);
		free(af->tmp);
	} else {
		fflush(af->fp);
	}
	free(af->path);
	memset(af, 0, sizeof *af);
}

int mkdir_p(const char *path)
{
	char *p;
	int rc = 0;

	if (*path == '\0') {
		errno = ENOENT;
		return -1;
	}
	p = xstrdup(path);

	for (char *s = p + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;
			*s = '\0';
			if (mkdir(p, 0777) != 0 && errno != EEXIST) {
				rc = -1;
				break;
			}
			*s = c;
			if (c == '\0')
				break;
		}
	}
	if (rc == 0) {
		struct stat st;
		if (stat(p, &st) != 0)
			rc = -1;
		else if (!S_ISDIR(st.st_mode))
			rc = -1, errno = ENOTDIR;
	}
	free(p);
	return rc;
}

/* --- sets ------------------------------------------------------------------ */

/* Flushes, fsyncs and closes a member's temporary (step 1). */
static int prepare(struct atomic_file *af)
{
	int rc = 0, saved = 0;

	if (af->tmp == NULL)
		return (fflush(af->fp) != 0 || ferror(af->fp)) ? -1 : 0;
	if (fflush(af->fp) != 0 || ferror(af->fp) || fsync(fileno(af->fp)) != 0)
		rc = -1, saved = errno ? errno : EIO;
	if (fclose(af->fp) != 0 && rc == 0)
		rc = -1, saved = errno;
	af->fp = NULL;
	errno = saved;
	return rc;
}

/* Removes a member's temporary and frees it (the closed or open form). */
static void drop(struct atomic_file *af)
{
	if (af->tmp != NULL) {
		if (af->fp != NULL)
			fclose(af->fp);
		unlink(af->tmp);
		live_del(af->tmp);
		free(af->tmp);
	}
	free(af->path);
	memset(af, 0, sizeof *af);
}

/* ".NAME.tmp.XXXXXX" → ".NAME.old.XXXXXX": unique because the temporary is. */
static char *backup_name(const char *tmp)
{
	char *b = xstrdup(tmp);
	char *p = strstr(b + (strrchr(b, '/') ? strrchr(b, '/') - b : 0), ".tmp.");

	if (p != NULL)
		memcpy(p, ".old.", 5);
	return b;
}

int atomic_commit_set(struct atomic_file *const *set, size_t n, size_t *bad)
{
	char **old = xcalloc(n + 1, sizeof *old);   /* backup names; NULL when no target */
	sigset_t block, saved_mask;
	size_t i, done = 0;
	int saved = 0, rc = -1;

	for (i = 0; i < n; i++)
		if (prepare(set[i]) != 0)
			goto fail;
	for (i = 0; i < n; i++) {
		struct stat st;
		if (set[i]->tmp == NULL)
			continue;
		if (lstat(set[i]->path, &st) != 0) {
			if (errno == ENOENT)
				continue;
			goto fail;
		}
		if (S_ISDIR(st.st_mode)) {
			errno = EISDIR;
			goto fail;
		}
		old[i] = backup_name(set[i]->tmp);
		if (link(set[i]->path, old[i]) != 0) {
			free(old[i]);
			old[i] = NULL;
			goto fail;
		}
	}
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGPIPE);
	sigprocmask(SIG_BLOCK, &block, &saved_mask);
	for (i = 0; i < n; i++, done++) {
		if (set[i]->tmp == NULL)
			continue;
		if (rename(set[i]->tmp, set[i]->path) != 0)
			break;
		live_del(set[i]->tmp);
	}
	if (i < n) {
		saved = errno;
		/* Put the previous set back: undo the renames already made. */
		for (size_t j = 0; j < done; j++) {
			if (set[j]->tmp == NULL)
				continue;
			if (old[j] == NULL) {
				unlink(set[j]->path);
				continue;
			}
			/* a backup that cannot go back stays as ".NAME.old.*" */
			rename(old[j], set[j]->path);
			free(old[j]);
			old[j] = NULL;
		}
		sigprocmask(SIG_SETMASK, &saved_mask, NULL);
		errno = saved;
		goto fail;
	}
	sigprocmask(SIG_SETMASK, &saved_mask, NULL);
	for (i = 0; i < n; i++) {
		if (old[i] != NULL)
			unlink(old[i]);
		if (set[i]->tmp != NULL)
			fsync_parent(set[i]->path);
		free(set[i]->tmp);
		free(set[i]->path);
		free(old[i]);
		memset(set[i], 0, sizeof *set[i]);
	}
	free(old);
	if (bad != NULL)
		*bad = 0;
	return 0;
fail:
	saved = errno;
	if (bad != NULL)
		*bad = i < n ? i : 0;
	for (size_t j = 0; j < n; j++) {
		if (old[j] != NULL) {        /* a spare link: the target is untouched */
			unlink(old[j]);
			free(old[j]);
		}
		if (j < done && set[j]->tmp != NULL) {
			/* renamed away, then put back: nothing left to remove */
			live_del(set[j]->tmp);
			free(set[j]->tmp);
			free(set[j]->path);
			memset(set[j], 0, sizeof *set[j]);
		} else {
			drop(set[j]);
		}
	}
	free(old);
	errno = saved;
	return rc;
}

int atomic_probe(const char *path)
{
	struct atomic_file af;
	struct stat st;

	if (strcmp(path, "-") == 0)
		return 0;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		return -1;
	}
	if (atomic_open(&af, path) != 0)
		return -1;
	atomic_abort(&af);
	return 0;
}
