/* litter.c -- see litter.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "litter.h"
#include "log.h"
#include "sha256.h"

#define SIDE_MAX 256 /* bytes read of a side file: two hashes and a space */

const char *
litter_tmpdir(void)
{
	const char *t = getenv("TMPDIR");

	return t && t[0] == '/' ? t : "/tmp";
}

int
litter_floppy_tmp(const char *floppy, char *out, size_t len)
{
	const char *slash = strrchr(floppy, '/');
	int n;

	if (slash == NULL)
		n = snprintf(out, len,
		    "."
		    "%s" FLOPPY_TMP_MARK "%ld-XXXXXX",
		    floppy, (long)getpid());
	else
		n = snprintf(out, len, "%.*s/.%s" FLOPPY_TMP_MARK "%ld-XXXXXX",
		    (int)(slash - floppy), floppy, slash + 1, (long)getpid());
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* The PID in "PID-rest" after prefix, if its process is gone; else 0. */
static long
dead_pid(const char *name, const char *prefix)
{
	size_t pl = strlen(prefix);
	char *end;
	long pid;

	if (strncmp(name, prefix, pl) != 0)
		return 0;
	errno = 0;
	pid = strtol(name + pl, &end, 10);
	if (errno || end == name + pl || *end != '-' || pid <= 0 ||
	    pid > INT_MAX)
		return 0;
	if (pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
		return 0;
	return pid;
}

/* An entry of dirfd that is ours and of the wanted type, not followed. */
static int
ours(int dirfd, const char *name, mode_t type, struct stat *st)
{
	return fstatat(dirfd, name, st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    (st->st_mode & S_IFMT) == type && st->st_uid == getuid();
}

/* Empty and remove the directory name of dirfd (one level: what we make). */
static void
remove_dir(int dirfd, const char *name)
{
	int fd = openat(
	    dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;

	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			unlinkat(fd, e->d_name, 0); /* never follows a link */
	closedir(d);
	if (unlinkat(dirfd, name, AT_REMOVEDIR) == 0)
		kim_log("litter", "removed %s of a run that is gone", name);
}

void
litter_clean_tmp(void)
{
	const char *tmp = litter_tmpdir();
	int fd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	struct stat st;

	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((e = readdir(d)) != NULL)
		if ((dead_pid(e->d_name, VIEWER_DIR_PREFIX) ||
			dead_pid(e->d_name, DELTA_DIR_PREFIX) ||
			dead_pid(e->d_name, ATTACH_DIR_PREFIX)) &&
		    ours(fd, e->d_name, S_IFDIR, &st))
			remove_dir(fd, e->d_name);
	closedir(d);
}

/* The side file's two hashes; 0 or -1. */
static int
read_side(int dirfd, const char *name, unsigned char want[KIM_SHA256_BYTES],
    unsigned char was[KIM_SHA256_BYTES])
{
	char buf[SIDE_MAX + 1], a[KIM_SHA256_HEX], b[KIM_SHA256_HEX];
	struct stat st;
	ssize_t n;
	int fd;

	if (!ours(dirfd, name, S_IFREG, &st))
		return -1;
	if ((fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, buf, SIDE_MAX);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (sscanf(buf, "%64s %64s", a, b) != 2 ||
	    kim_sha256_unhex(a, want) != 0 || kim_sha256_unhex(b, was) != 0)
		return -1;
	return 0;
}

/* One dead run's new image tmp (a name in dir): into place or away. */
static int
settle(const char *dir, int dirfd, const char *tmp, const char *floppy,
    const char *base, FILE *say)
{
	char side[NAME_MAX + 16], path[PATH_MAX + NAME_MAX + 2];
	unsigned char want[KIM_SHA256_BYTES], was[KIM_SHA256_BYTES];
	unsigned char have[KIM_SHA256_BYTES], now[KIM_SHA256_BYTES];
	const char *why = NULL;

	snprintf(side, sizeof(side), "%s" FLOPPY_SIDE_EXT, tmp);
	snprintf(path, sizeof(path), "%s/%s", dir, tmp);
	if (read_side(dirfd, side, want, was) != 0 ||
	    kim_sha256_file(path, have) != 0 ||
	    memcmp(have, want, sizeof(have)))
		why = "incomplete";
	else if (kim_sha256_file(floppy, now) != 0 ||
	    memcmp(now, was, sizeof(now)))
		why = "made from an older version of it";
	if (why == NULL && renameat(dirfd, tmp, dirfd, base) == 0) {
		fsync(dirfd);
		kim_log("litter", "recovered %s into %s", tmp, floppy);
		if (say)
			fprintf(say,
			    "An interrupted session left the newer floppy "
			    "image beside %s: recovered (its checksum matches the "
			    "display's); it holds that session's changes.\n",
			    floppy);
		unlinkat(dirfd, side, 0);
		return 1;
	} else {
		unlinkat(dirfd, tmp, 0);
		kim_log("litter", "discarded %s: %s", tmp,
		    why ? why : strerror(errno));
		if (say)
			fprintf(say,
			    "An interrupted session left a floppy image "
			    "beside %s: discarded (%s); %s is unchanged.\n",
			    floppy, why ? why : "it could not be renamed",
			    floppy);
	}
	unlinkat(dirfd, side, 0);
	return 0;
}

int
litter_floppy(const char *floppy, FILE *say)
{
	char dir[PATH_MAX], prefix[NAME_MAX + 16];
	const char *slash = strrchr(floppy, '/'), *base;
	struct dirent *e;
	struct stat st;
	size_t el, sl = strlen(FLOPPY_SIDE_EXT);
	int fd, recovered = 0;
	DIR *d;

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(
		    dir, sizeof(dir), "%.*s", (int)(slash - floppy), floppy);
	if (dir[0] == '\0')
		snprintf(dir, sizeof(dir), "/");
	base = slash ? slash + 1 : floppy;
	snprintf(prefix, sizeof(prefix), ".%s" FLOPPY_TMP_MARK, base);
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	while ((e = readdir(d)) != NULL) {
		el = strlen(e->d_name);
		if (!dead_pid(e->d_name, prefix))
			continue;
		if (el > sl &&
		    strcmp(e->d_name + el - sl, FLOPPY_SIDE_EXT) == 0) {
			/* a side file whose image is gone */
			char img[NAME_MAX + 1];
			snprintf(img, sizeof(img), "%.*s", (int)(el - sl),
			    e->d_name);
			if (ours(fd, e->d_name, S_IFREG, &st) &&
			    fstatat(fd, img, &st, AT_SYMLINK_NOFOLLOW) != 0)
				unlinkat(fd, e->d_name, 0);
			continue;
		}
		if (ours(fd, e->d_name, S_IFREG, &st) &&
		    settle(dir, fd, e->d_name, floppy, base, say))
			recovered = 1;
	}
	closedir(d);
	return recovered;
}
