/* assemble.c -- build the session's root from its regions and pivot into it.
 *
 * Runs as PID 1 of the session's new mount/PID/UTS/IPC namespaces.  Order:
 * session tmpfs, base and patch layers, overlay (the overlay, virtual and
 * filter regions), system binds, fresh proc, minimal dev, persistent binds,
 * pivot_root. */
#include "session.h"
#include "rpc/log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define DEV_NODES "null", "zero", "full", "random", "urandom", "tty"

static int
fail(const char *what, const char *path)
{
	kim_log("workspace", "%s %s: %s", what, path, strerror(errno));
	return -1;
}

/* OUT = A followed by B; -1 (ENAMETOOLONG) if it does not fit. */
static int
join(char out[PATH_MAX], const char *a, const char *b)
{
	int n = snprintf(out, PATH_MAX, "%s%s", a, b);
	return n < 0 || n >= PATH_MAX ? (errno = ENAMETOOLONG, -1) : 0;
}

static int
mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	if (len >= sizeof buf)
		return errno = ENAMETOOLONG, -1;
	memcpy(buf, path, len + 1);
	for (char *s = buf + 1;; s++) {
		if (*s == '/' || *s == 0) {
			char c = *s;
			*s = 0;
			if (mkdir(buf, mode) != 0 && errno != EEXIST)
				return -1;
			*s = c;
			if (c == 0)
				return 0;
		}
	}
}

/* Make a mount point at DST of the same type as SRC (directory or file). */
static int
mountpoint_like(const char *src, const char *dst)
{
	struct stat st;

	if (stat(src, &st) != 0)
		return -1;
	if (S_ISDIR(st.st_mode))
		return mkdir_p(dst, 0755);
	char parent[PATH_MAX];
	snprintf(parent, sizeof parent, "%s", dst);
	char *slash = strrchr(parent, '/');
	if (slash != NULL && slash != parent) {
		*slash = 0;
		if (mkdir_p(parent, 0755) != 0)
			return -1;
	}
	int fd = open(dst, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

/* Bind SRC on DST with FLAGS (MS_RDONLY, MS_NODEV) and always nosuid. */
static int
bind(const char *src, const char *dst, unsigned long flags)
{
	if (mountpoint_like(src, dst) != 0)
		return fail("mount point", dst);
	if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) != 0)
		return fail("bind", src);
	if (mount(NULL, dst, NULL, MS_BIND | MS_REMOUNT | MS_NOSUID | flags,
		NULL) != 0)
		return fail("remount", dst);
	return 0;
}

static int
layer(const char *src, const char *dst)
{
	struct stat st;

	if (mkdir(dst, 0755) != 0)
		return fail("mkdir", dst);
	if (stat(src, &st) != 0)
		return fail("layer", src);
	if (S_ISDIR(st.st_mode))
		return mount(src, dst, NULL, MS_BIND | MS_REC, NULL) == 0
		    ? 0
		    : fail("bind", src);
	return ws_mount_image(src, dst);
}

static int
make_dev(const char *dst)
{
	static const char *const nodes[] = { DEV_NODES };
	char path[PATH_MAX], src[64];

	if (mkdir_p(dst, 0755) != 0 ||
	    mount("tmpfs", dst, "tmpfs", MS_NOSUID | MS_NOEXEC,
		"mode=0755,size=64k") != 0)
		return fail("dev tmpfs", dst);
	for (size_t i = 0; i < sizeof nodes / sizeof nodes[0]; i++) {
		snprintf(src, sizeof src, "/dev/%s", nodes[i]);
		if (join(path, dst, src + 4) != 0)
			return fail("path", dst);
		if (access(src, F_OK) != 0)
			continue;
		if (bind(src, path, 0) != 0)
			return -1;
	}
	if (join(path, dst, "/pts") != 0 || mkdir(path, 0755) != 0 ||
	    mount("devpts", path, "devpts", MS_NOSUID | MS_NOEXEC,
		"newinstance,ptmxmode=0666,mode=0620") != 0)
		return fail("devpts", path);
	if (join(path, dst, "/shm") != 0 || mkdir(path, 01777) != 0 ||
	    mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV,
		"mode=1777,size=16m") != 0)
		return fail("dev/shm", path);
	static const char *const links[][2] = {
		{ "pts/ptmx", "/ptmx" },
		{ "/proc/self/fd", "/fd" },
		{ "/proc/self/fd/0", "/stdin" },
		{ "/proc/self/fd/1", "/stdout" },
		{ "/proc/self/fd/2", "/stderr" },
	};
	for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
		if (join(path, dst, links[i][1]) != 0 ||
		    symlink(links[i][0], path) != 0)
			return fail("symlink", path);
	}
	return 0;
}

static int
regions(const struct ws_config *c, const char *root)
{
	char dst[PATH_MAX];
	int install = c->installdir != NULL;

	for (size_t i = 0; i < c->policy.n; i++) {
		const struct ws_rule *r = &c->policy.rules[i];

		if (join(dst, root, r->path) != 0)
			return fail("path", r->path);
		switch (r->region) {
		case WS_SYSTEM:
			if (install)
				break; /* package managers write there; the install sees the base's own */
			if (access(r->path, F_OK) != 0) {
				kim_log("workspace",
				    "system region %s: absent on this display, skipped",
				    r->path);
				break;
			}
			if (bind(r->path, dst, MS_RDONLY | MS_NODEV) != 0)
				return -1;
			break;
		case WS_PROC:
			if (mkdir_p(dst, 0555) != 0 ||
			    mount("proc", dst, "proc",
				MS_NOSUID | MS_NODEV | MS_NOEXEC,
				install ? NULL : "hidepid=invisible") != 0)
				return fail("proc", dst);
			break;
		case WS_DEV:
			if (make_dev(dst) != 0)
				return -1;
			break;
		case WS_PERSISTENT:
			if (install || c->persist == NULL)
				break;
			if (bind(c->persist, dst, MS_NODEV) != 0)
				return -1;
			break;
		case WS_OVERLAY: break;
		}
	}
	return 0;
}

int
ws_assemble(const struct ws_config *c)
{
	char root[PATH_MAX], upper[PATH_MAX], work[PATH_MAX], path[PATH_MAX];
	char opts[8192];
	size_t off;
	const char *rd = c->rundir;

	if (strpbrk(rd, ",:") != NULL ||
	    (c->installdir != NULL && strpbrk(c->installdir, ",:") != NULL)) {
		kim_log("workspace",
		    "%s: ',' or ':' in a session path would break the overlay options",
		    rd);
		return -1;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		return fail("make private", "/");
	snprintf(opts, sizeof opts, "mode=0700,size=%s", c->tmpfs_size);
	if (mount("kimberley-session", rd, "tmpfs", MS_NOSUID | MS_NODEV,
		opts) != 0)
		return fail("session tmpfs", rd);
	if (c->installdir != NULL) {
		if (join(upper, c->installdir, "/upper") != 0 ||
		    join(work, c->installdir, "/work") != 0 ||
		    mkdir_p(upper, 0755) != 0 || mkdir_p(work, 0700) != 0)
			return fail("install layer", c->installdir);
	} else {
		if (join(upper, rd, "/upper") != 0 ||
		    join(work, rd, "/work") != 0 || mkdir(upper, 0755) != 0 ||
		    mkdir(work, 0700) != 0)
			return fail("mkdir", upper);
	}
	if (join(root, rd, "/root") != 0 || mkdir(root, 0755) != 0)
		return fail("mkdir", root);

	off = (size_t)snprintf(opts, sizeof opts, "lowerdir=");
	for (size_t i = 0; i < c->nlayers; i++) {
		char name[32];
		snprintf(name, sizeof name, "/layer%zu", i);
		if (join(path, rd, name) != 0 || layer(c->layers[i], path) != 0)
			return -1;
		off += (size_t)snprintf(
		    opts + off, sizeof opts - off, "%s:", path);
		if (off >= sizeof opts)
			return errno = ENAMETOOLONG,
			       fail("overlay options for", rd);
	}
	if (join(path, rd, "/base") != 0 || layer(c->base, path) != 0)
		return -1;
	off += (size_t)snprintf(opts + off, sizeof opts - off,
	    "%s,upperdir=%s,workdir=%s,index=off,metacopy=off,redirect_dir=off,xino=off",
	    path, upper, work);
	if (off >= sizeof opts)
		return errno = ENAMETOOLONG, fail("overlay options for", rd);
	if (mount("kimberley", root, "overlay", MS_NOSUID, opts) != 0)
		return fail("overlay on", root);

	if (regions(c, root) != 0)
		return -1;
	if (c->installdir != NULL && c->srcdir != NULL) {
		if (join(path, root, "/mnt") != 0 ||
		    bind(c->srcdir, path, MS_RDONLY | MS_NODEV) != 0)
			return -1;
	}

	if (chdir(root) != 0 || syscall(SYS_pivot_root, ".", ".") != 0)
		return fail("pivot_root", root);
	if (umount2(".", MNT_DETACH) != 0 || chdir("/") != 0)
		return fail("detach old root", "/");
	return 0;
}
