/* persistent_state.c -- docs/design.md step 7, log step "persistent_state":
 * the spooled floppy the session will use. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errors.h"
#include "log.h"
#include "names.h"
#include "step.h"

/* ---- steps 7 and 8: floppy and start ------------------------------------- */

static int
looks_like_fat(const char *path)
{
	unsigned char boot[512];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? pread(fd, boot, sizeof(boot), 0) : -1;

	if (fd >= 0)
		close(fd);
	return n == (ssize_t)sizeof(boot) && boot[510] == 0x55 &&
	    boot[511] == 0xaa;
}

int
session_use_floppy(struct conn *c, const char *name)
{
	struct display *d = c->d;
	char path[PATH_MAX], q[KIM_LOGQ_MAX];
	int rc;

	if ((rc = step_may(c)) != 0)
		return rc;
	if (!step_in_state(d, S_OPEN) || kim_sink_active(&d->sink))
		return step_refuse(c, KIM_E_OUT_OF_ORDER,
		    "the floppy must be named "
		    "after it arrived and before the application starts");
	if ((rc = step_spooled(
		 c, name, path, sizeof(path), KIM_E_NO_SUCH_FILE)) != 0)
		return rc;
	if (!looks_like_fat(path))
		return step_refuse(c, KIM_E_FLOPPY_BAD,
		    "'%s' is not a FAT disk image", kim_basename(name));
	snprintf(d->floppy, sizeof(d->floppy), "%s", kim_basename(name));
	kim_log("persistent_state", "conn=%u floppy=%s", c->id,
	    kim_logq(q, sizeof(q), kim_basename(name)));
	return 0;
}
