/* delta.c -- xdelta3 into a temporary file, verify, fsync, rename. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "delta.h"
#include "errors.h"
#include "litter.h"
#include "log.h"
#include "kim_spawn.h"

/* Room asked for beside the floppy beyond its size, up front. */
#define DELTA_ROOM_SLACK (64 * 1024)

static int
fsync_path(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* errno says a disk (or the user's quota) is full. */
static int
full(int err)
{
	return err == ENOSPC || err == EDQUOT;
}

static int
say_full(const char *dir, uint64_t need, int err, char *why, size_t whylen)
{
	snprintf(why, whylen,
	    "the disk holding %s is full (%s): free at least "
	    "%llu KiB there, then run the session again",
	    dir, strerror(err), (unsigned long long)(need + 1023) / 1024);
	return KIM_E_LOCAL_FULL;
}

/* Free bytes for this user in dir, or UINT64_MAX if unknown. */
static uint64_t
free_bytes(const char *dir)
{
	struct statvfs v;

	return statvfs(dir, &v) == 0 ? (uint64_t)v.f_bavail * v.f_frsize
				     : UINT64_MAX;
}

int
delta_room(const char *floppy, char *why, size_t whylen)
{
	char dirbuf[PATH_MAX];
	struct stat st;

	if (stat(floppy, &st) != 0)
		return 0; /* said elsewhere */
	snprintf(dirbuf, sizeof(dirbuf), "%s", floppy);
	const char *dir = dirname(dirbuf);
	if (free_bytes(dir) < (uint64_t)st.st_size + DELTA_ROOM_SLACK) {
		snprintf(why, whylen,
		    "not enough free space in %s for the new "
		    "floppy image (it is written beside the old one, then renamed): "
		    "free at least %llu KiB there",
		    dir,
		    (unsigned long long)(st.st_size + DELTA_ROOM_SLACK) / 1024);
		return KIM_E_LOCAL_FULL;
	}
	return 0;
}

/* The side file: what the display announced, and what it replaces; the
 * next run recovers the image only if both still hold (litter.h). */
static int
write_side(const char *side, const unsigned char want[KIM_SHA256_BYTES],
    const char *floppy)
{
	unsigned char was[KIM_SHA256_BYTES];
	char a[KIM_SHA256_HEX], b[KIM_SHA256_HEX];
	FILE *f;
	int ok;

	if (kim_sha256_file(floppy, was) != 0)
		return -1;
	kim_sha256_hex(want, a);
	kim_sha256_hex(was, b);
	if ((f = fopen(side, "wxe")) == NULL)
		return -1;
	ok = fprintf(f, "%s %s\n", a, b) > 0;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/* An error while making the new image beside the floppy: a full disk is
 * said as such (what to free, where), anything else as an I/O error. */
static int
io_failed(const char *dir, uint64_t need, int err, const char *doing,
    const char *floppy, char *why, size_t whylen)
{
	if (full(err))
		return say_full(dir, need, err, why, whylen);
	snprintf(why, whylen, "cannot %s %s: %s", doing, floppy, strerror(err));
	return KIM_E_LOCAL_IO;
}

int
delta_apply(const char *floppy, const char *delta,
    const unsigned char want[KIM_SHA256_BYTES], char *why, size_t whylen)
{
	char dirbuf[PATH_MAX], tmp[PATH_MAX], side[PATH_MAX + 16];
	unsigned char have[KIM_SHA256_BYTES];
	struct stat st;
	int fd, rc, err;

	side[0] = '\0';
	if (stat(floppy, &st) != 0) {
		snprintf(why, whylen, "%s: %s", floppy, strerror(errno));
		return KIM_E_LOCAL_IO;
	}
	snprintf(dirbuf, sizeof(dirbuf), "%s", floppy);
	const char *dir = dirname(dirbuf);
	if (litter_floppy_tmp(floppy, tmp, sizeof(tmp)) != 0) {
		snprintf(why, whylen, "the floppy's path is too long");
		return KIM_E_LOCAL_IO;
	}
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0)
		return io_failed(dir, (uint64_t)st.st_size, errno,
		    "write next to", floppy, why, whylen);
	/* room for the whole new image, asked before xdelta3 writes it (the
	 * image keeps its size; xdelta3 rewrites the file, reusing the room) */
	err = posix_fallocate(fd, 0, st.st_size);
	close(fd);
	if (full(err)) {
		rc = say_full(dir, (uint64_t)st.st_size, err, why, whylen);
		goto fail;
	}
	snprintf(side, sizeof(side), "%s" FLOPPY_SIDE_EXT, tmp);
	if (write_side(side, want, floppy) != 0) {
		rc = io_failed(dir, (uint64_t)st.st_size, errno,
		    "write next to", floppy, why, whylen);
		goto fail;
	}

	char *argv[] = { "xdelta3", "-d", "-f", "-q", "-s", (char *)floppy,
		(char *)delta, tmp, NULL };
	/* its output on stderr; a group of its own: Ctrl-C does not stop
	 * it halfway, the mobile decides */
	struct kim_spawn_opts so = { { KIM_SPAWN_DEVNULL, 2,
					 KIM_SPAWN_INHERIT },
		NULL, KIM_SPAWN_PATH | KIM_SPAWN_GROUP, 0 };
	rc = kim_spawn_run(argv, &so);
	if (rc != 0) {
		/* xdelta3 does not say why: a disk that filled up meanwhile is
		 * told apart from a bad delta by the room left */
		if (rc > 0 && free_bytes(dir) < (uint64_t)st.st_size) {
			rc = say_full(
			    dir, (uint64_t)st.st_size, ENOSPC, why, whylen);
			goto fail;
		}
		snprintf(why, whylen,
		    rc < 0
			? "cannot run xdelta3 (is it installed?)"
			: "xdelta3 could not apply the display's changes (exit %d)",
		    rc);
		rc = rc < 0 ? KIM_E_LOCAL_IO : KIM_E_CHECKSUM;
		goto fail;
	}
	if (kim_sha256_file(tmp, have) != 0) {
		snprintf(why, whylen, "cannot read back the new floppy: %s",
		    strerror(errno));
		rc = KIM_E_LOCAL_IO;
		goto fail;
	}
	if (memcmp(have, want, KIM_SHA256_BYTES) != 0) {
		snprintf(why, whylen,
		    "the new floppy image does not match the "
		    "display's checksum");
		rc = KIM_E_CHECKSUM;
		goto fail;
	}
	if (chmod(tmp, st.st_mode & 07777) != 0 ||
	    fsync_path(tmp, O_RDONLY) != 0 || rename(tmp, floppy) != 0) {
		rc = io_failed(dir, (uint64_t)st.st_size, errno, "replace",
		    floppy, why, whylen);
		goto fail;
	}
	unlink(side);
	fsync_path(dir, O_RDONLY | O_DIRECTORY);
	kim_log("apply", "floppy=%s updated", floppy);
	return 0;
fail:
	unlink(tmp);
	if (side[0])
		unlink(side);
	kim_log("apply", "floppy=%s unchanged: %s", floppy, why);
	return rc;
}
