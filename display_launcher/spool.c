/* spool.c -- directories made and checked by the program (spool.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spool.h"

static const char *
owner_name(uid_t uid, char *buf, size_t len)
{
	struct passwd *pw = getpwuid(uid);

	if (pw)
		snprintf(buf, len, "%s (uid %u)", pw->pw_name, (unsigned)uid);
	else
		snprintf(buf, len, "uid %u", (unsigned)uid);
	return buf;
}

int
spool_open(const char *path, uid_t owner, gid_t group, char *why, size_t whylen)
{
	char up[PATH_MAX], base[PATH_MAX], who[128];
	struct stat st;
	int pfd, fd;

	if (snprintf(up, sizeof(up), "%s", path) >= (int)sizeof(up) ||
	    snprintf(base, sizeof(base), "%s", path) >= (int)sizeof(base)) {
		snprintf(why, whylen, "%s: the path is too long", path);
		return -1;
	}
	const char *dir = dirname(up), *name = basename(base);
	if (strcmp(name, "/") == 0 || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0) {
		snprintf(why, whylen, "%s: not a directory the program may own",
		    path);
		return -1;
	}
	if ((pfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		snprintf(why, whylen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (fstat(pfd, &st) != 0 || (st.st_uid != 0 && st.st_uid != owner) ||
	    ((st.st_mode & 022) && !(st.st_mode & S_ISVTX))) {
		snprintf(why, whylen,
		    "%s: the directory above it belongs to %s "
		    "or others may write there (refused: it could be swapped)",
		    dir, owner_name(st.st_uid, who, sizeof(who)));
		close(pfd);
		return -1;
	}
	if (mkdirat(pfd, name, 0700) != 0 && errno != EEXIST) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		close(pfd);
		return -1;
	}
	fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	close(pfd);
	if (fd < 0) {
		int e = errno;
		struct stat lst;
		if (e == ELOOP ||
		    (e == ENOTDIR && lstat(path, &lst) == 0 &&
			S_ISLNK(lst.st_mode)))
			snprintf(why, whylen,
			    "%s is a symbolic link: refused (the "
			    "program makes its own directory)",
			    path);
		else
			snprintf(why, whylen, "%s: %s", path, strerror(e));
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (st.st_uid != owner && st.st_uid != 0) {
		snprintf(why, whylen,
		    "%s belongs to %s, not to %s: refused (remove "
		    "it, or name another directory)",
		    path, owner_name(st.st_uid, who, sizeof(who)),
		    owner_name(owner, base, sizeof(base)));
		close(fd);
		return -1;
	}
	if ((st.st_uid != owner || st.st_gid != group) &&
	    fchown(fd, owner, group) != 0) {
		snprintf(why, whylen, "%s: cannot give it to uid %u: %s", path,
		    (unsigned)owner, strerror(errno));
		close(fd);
		return -1;
	}
	if ((st.st_mode & 07777) != 0700 && fchmod(fd, 0700) != 0) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Remove everything inside fd; closes fd. */
static void
empty_fd(int fd)
{
	DIR *d = fdopendir(fd);
	struct dirent *e;

	if (d == NULL) {
		close(fd);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		spool_remove(dirfd(d), e->d_name);
	}
	closedir(d);
}

void
spool_remove(int dirfd, const char *name)
{
	int fd;

	if (unlinkat(dirfd, name, 0) == 0 ||
	    (errno != EISDIR && errno != EPERM))
		return;
	/* a directory: empty it through a descriptor that cannot be a link */
	fd = openat(
	    dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0)
		empty_fd(fd);
	unlinkat(dirfd, name, AT_REMOVEDIR);
}

void
spool_empty(int dirfd)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		empty_fd(fd);
	}
}
