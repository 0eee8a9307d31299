/* delta.c -- xdelta3 into a temporary file, verify, fsync, rename. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "delta.h"
#include "errors.h"
#include "log.h"
#include "spawn.h"

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

int
delta_apply(const char *floppy, const char *delta,
    const unsigned char want[KIM_SHA256_BYTES], char *why, size_t whylen)
{
	char dirbuf[PATH_MAX], basebuf[PATH_MAX], tmp[PATH_MAX];
	unsigned char have[KIM_SHA256_BYTES];
	struct stat st;
	int fd, rc;

	if (stat(floppy, &st) != 0) {
		snprintf(why, whylen, "%s: %s", floppy, strerror(errno));
		return KIM_E_LOCAL_IO;
	}
	snprintf(dirbuf, sizeof(dirbuf), "%s", floppy);
	snprintf(basebuf, sizeof(basebuf), "%s", floppy);
	const char *dir = dirname(dirbuf), *base = basename(basebuf);
	if (snprintf(tmp, sizeof(tmp), "%s/.%s.kim-XXXXXX", dir, base) >= (int)sizeof(tmp)) {
		snprintf(why, whylen, "the floppy's path is too long");
		return KIM_E_LOCAL_IO;
	}
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		snprintf(why, whylen, "cannot write next to %s: %s", floppy, strerror(errno));
		return KIM_E_LOCAL_IO;
	}
	close(fd);

	char *argv[] = { "xdelta3", "-d", "-f", "-q", "-s", (char *)floppy,
	    (char *)delta, tmp, NULL };
	rc = spawn_run(argv, 1);
	if (rc != 0) {
		snprintf(why, whylen, rc < 0 ? "cannot run xdelta3 (is it installed?)" :
		    "xdelta3 could not apply the display's changes (exit %d)", rc);
		rc = rc < 0 ? KIM_E_LOCAL_IO : KIM_E_CHECKSUM;
		goto fail;
	}
	if (kim_sha256_file(tmp, have) != 0) {
		snprintf(why, whylen, "cannot read back the new floppy: %s", strerror(errno));
		rc = KIM_E_LOCAL_IO;
		goto fail;
	}
	if (memcmp(have, want, KIM_SHA256_BYTES) != 0) {
		snprintf(why, whylen, "the new floppy image does not match the "
		    "display's checksum");
		rc = KIM_E_CHECKSUM;
		goto fail;
	}
	if (chmod(tmp, st.st_mode & 07777) != 0 || fsync_path(tmp, O_RDONLY) != 0 ||
	    rename(tmp, floppy) != 0) {
		snprintf(why, whylen, "cannot replace %s: %s", floppy, strerror(errno));
		rc = KIM_E_LOCAL_IO;
		goto fail;
	}
	fsync_path(dir, O_RDONLY | O_DIRECTORY);
	kim_log("apply", "floppy=%s updated", floppy);
	return 0;
fail:
	unlink(tmp);
	kim_log("apply", "floppy=%s unchanged: %s", floppy, why);
	return rc;
}
