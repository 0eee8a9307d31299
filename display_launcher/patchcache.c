/* patchcache.c -- patches by SHA-256, LRU under a size cap (patchcache.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "patchcache.h"

static char cache_dir[PATH_MAX - 80];
static uint64_t cache_cap;

int
patchcache_init_fd(int dirfd, uint64_t cap)
{
	struct stat st;

	if (fstat(dirfd, &st) != 0)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	/* the descriptor's magic link: reached whatever the directories above
	 * let this (unprivileged) process traverse */
	snprintf(cache_dir, sizeof(cache_dir), "/proc/self/fd/%d", dirfd);
	cache_cap = cap;
	return 0;
}

static void
entry(const unsigned char sha[KIM_SHA256_BYTES], char *out, size_t n)
{
	char hex[KIM_SHA256_HEX];

	kim_sha256_hex(sha, hex);
	snprintf(out, n, "%s/%s", cache_dir, hex);
}

/* dst (new, 0600) gets a copy of src's bytes, never a hard link: the
 * privileged parent takes only single-link files from the spool
 * (docs/design.md section 7.1).  0 or -1 (dst removed). */
static int
copy_file(const char *src, const char *dst)
{
	char buf[1 << 16];
	ssize_t n = 0;
	int in, out, rc = 0;

	if ((in = open(src, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	if ((out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) <
	    0) {
		close(in);
		return -1;
	}
	/* in the kernel where it can (a reflink on file systems that have
	 * them), else through a buffer */
	while ((n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0)) > 0)
		;
	if (n < 0) {
		if (lseek(in, 0, SEEK_SET) != 0 || ftruncate(out, 0) != 0 ||
		    lseek(out, 0, SEEK_SET) != 0)
			rc = -1;
		while (rc == 0 && (n = read(in, buf, sizeof(buf))) > 0)
			if (write(out, buf, (size_t)n) != n)
				rc = -1;
	}
	if (n < 0 || close(out) != 0)
		rc = -1;
	close(in);
	if (rc != 0)
		unlink(dst);
	return rc;
}

int
patchcache_get(const unsigned char sha[KIM_SHA256_BYTES], const char *path)
{
	char p[PATH_MAX];
	unsigned char got[KIM_SHA256_BYTES];
	struct stat st;

	if (cache_dir[0] == '\0')
		return 0;
	entry(sha, p, sizeof(p));
	if (lstat(p, &st) != 0 || !S_ISREG(st.st_mode))
		return 0;
	/* a disk can rot: the bytes are checked again, every time */
	if (kim_sha256_file(p, got) != 0 ||
	    memcmp(got, sha, KIM_SHA256_BYTES) != 0) {
		kim_log(
		    "fetch", "cache: %s does not hash to its name; removed", p);
		unlink(p);
		return 0;
	}
	if (copy_file(p, path) != 0) {
		kim_log(
		    "fetch", "cache: cannot use %s: %s", p, strerror(errno));
		return 0;
	}
	utimensat(AT_FDCWD, p, NULL, 0); /* most recently used */
	kim_log("fetch", "cache hit %s bytes=%lld", p, (long long)st.st_size);
	return 1;
}

struct item {
	char name[KIM_SHA256_HEX];
	off_t size;
	struct timespec used;
};

static int
older(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	if (x->used.tv_sec != y->used.tv_sec)
		return x->used.tv_sec < y->used.tv_sec ? -1 : 1;
	if (x->used.tv_nsec != y->used.tv_nsec)
		return x->used.tv_nsec < y->used.tv_nsec ? -1 : 1;
	return 0;
}

/* Remove the least recently used entries (never keep) until the total
 * fits the cap. */
static void
evict(const char *keep)
{
	struct item *it = NULL, *nit;
	size_t n = 0, cap = 0, i;
	uint64_t total = 0;
	struct dirent *e;
	struct stat st;
	char p[PATH_MAX];
	DIR *d = opendir(cache_dir);

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strlen(e->d_name) != KIM_SHA256_HEX - 1 ||
		    strspn(e->d_name, "0123456789abcdef") != KIM_SHA256_HEX - 1)
			continue;
		snprintf(p, sizeof(p), "%s/%s", cache_dir, e->d_name);
		if (lstat(p, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			if ((nit = realloc(it, cap * sizeof(*it))) == NULL)
				break;
			it = nit;
		}
		snprintf(it[n].name, sizeof(it[n].name), "%s", e->d_name);
		it[n].size = st.st_size;
		it[n].used = st.st_mtim;
		total += (uint64_t)st.st_size;
		n++;
	}
	closedir(d);
	qsort(it, n, sizeof(*it), older);
	for (i = 0; i < n && total > cache_cap; i++) {
		if (strcmp(it[i].name, keep) == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", cache_dir, it[i].name);
		if (unlink(p) == 0) {
			total -= (uint64_t)it[i].size;
			kim_log("fetch", "cache: evicted %s bytes=%lld",
			    it[i].name, (long long)it[i].size);
		}
	}
	free(it);
}

void
patchcache_put(const unsigned char sha[KIM_SHA256_BYTES], const char *path)
{
	char p[PATH_MAX], tmp[PATH_MAX], hex[KIM_SHA256_HEX];
	struct stat st;

	if (cache_dir[0] == '\0' || stat(path, &st) != 0)
		return;
	if ((uint64_t)st.st_size > cache_cap) {
		kim_log("fetch",
		    "cache: a patch of %lld bytes is over the cap; not kept",
		    (long long)st.st_size);
		return;
	}
	kim_sha256_hex(sha, hex);
	entry(sha, p, sizeof(p));
	snprintf(tmp, sizeof(tmp), "%s/.new-%s", cache_dir, hex);
	unlink(tmp);
	if (copy_file(path, tmp) != 0 || rename(tmp, p) != 0) {
		kim_log(
		    "fetch", "cache: cannot keep %s: %s", p, strerror(errno));
		unlink(tmp);
		return;
	}
	utimensat(AT_FDCWD, p, NULL, 0);
	kim_log("fetch", "cache: kept %s bytes=%lld", p, (long long)st.st_size);
	evict(hex);
}
